import { describe, expect, it } from 'vitest';
import { runHistories } from '../../test/support/customer-histories.js';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { addTallies, customersAndTallies, tallyOf } from '../../test/support/tally-stream-type.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import { InMemoryViewStore } from '../adapters/memory/in-memory-view-store.js';
import { METRIC } from '../core/metrics.js';
import { type AuditViewSource, auditViews, differingFields } from './audit.js';
import type { CustomerView } from './customer/customer-view.js';
import { rebuildViews } from './rebuild.js';

/** The in-memory read model keeps no index keys, so only the public fields are compared. */
const sourceOf = (views: InMemoryViewStore<CustomerView>): AuditViewSource => ({
  idOf: (item) => String(item.customerId),
  get: async (id) => {
    const view = await views.get(id);
    return view && { ...view };
  },
  async *scan({ pageSize }) {
    const all = [...views.all().values()].map((view) => ({ ...view }));
    for (let i = 0; i < all.length; i += pageSize) yield all.slice(i, i + pageSize);
  },
});

/** A view written behind the projector's back (the in-memory store checks the version read). */
const overwrite = async (
  views: InMemoryViewStore<CustomerView>,
  id: string,
  change: (view: CustomerView) => CustomerView,
) => {
  const current = await views.get(id);
  if (!current) throw new Error(`no view ${id}`);
  views.delete(id);
  await views.put(id, change(current), 0);
};

const setup = async (count = 30) => {
  const events = new InMemoryEventStore();
  const views = new InMemoryViewStore<CustomerView>();
  const histories = Array.from({ length: count }, (_, i) =>
    (['email', 'suspend', 'reactivate'] as const).slice(0, 1 + (i % 3)),
  );
  const ids = await runHistories(events, histories, 'aud');
  await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
  return { events, views, ids, source: sourceOf(views) };
};

describe('auditViews', () => {
  it('finds nothing wrong with views built by the projection', async () => {
    const { events, views, source } = await setup();
    const report = await auditViews({
      catalog: events,
      streams: customerStreams(events, views, { audit: source }),
      pageSize: 7,
    });
    expect(report).toMatchObject({ streams: 30, views: 30, clean: true, examples: [] });
    expect(report.counts).toEqual({
      ok: 30,
      missing: 0,
      behind: 0,
      ahead: 0,
      different: 0,
      unprojectable: 0,
      orphan: 0,
      unregistered: 0,
    });
  });

  it('classifies missing, behind, ahead, different and orphan views', async () => {
    const { events, views, ids, source } = await setup();
    const id = (n: number) => ids[n] ?? '';
    views.delete(id(0));
    views.delete(id(1));
    // ids[2] has 3 steps after registration: at version 4, rewound to its registration.
    const [registration] = await events.readStream(id(2));
    if (!registration) throw new Error('no registration');
    await overwrite(views, id(2), (v) => ({
      ...v,
      version: 1,
      lastUpdated: registration.timestamp,
      email: (registration.payload as { email: string }).email,
    }));
    await overwrite(views, id(3), (v) => ({ ...v, name: 'Tampered', status: 'SUSPENDED' }));
    await overwrite(views, id(4), (v) => ({ ...v, version: v.version + 5 }));
    await views.put(
      'ghost',
      { ...((await views.get(id(6))) as CustomerView), customerId: 'ghost' },
      0,
    );

    const report = await auditViews({
      catalog: events,
      streams: customerStreams(events, views, { audit: source }),
      pageSize: 4,
      concurrency: 3,
    });
    expect(report.clean).toBe(false);
    expect(report.streams).toBe(30);
    expect(report.views).toBe(29);
    expect(report.counts).toEqual({
      ok: 25,
      missing: 2,
      behind: 1,
      ahead: 1,
      different: 1,
      unprojectable: 0,
      orphan: 1,
      unregistered: 0,
    });
    const byId = new Map(report.examples.map((e) => [e.aggregateId, e]));
    expect(byId.get(id(0))).toMatchObject({ finding: 'missing', actualVersion: undefined });
    expect(byId.get(id(2))).toEqual({
      finding: 'behind',
      aggregateType: 'Customer',
      aggregateId: id(2),
      projection: 'customer-views',
      expectedVersion: 4,
      actualVersion: 1,
      fields: ['email', 'lastUpdated', 'version'],
    });
    expect(byId.get(id(3))).toEqual({
      finding: 'different',
      aggregateType: 'Customer',
      aggregateId: id(3),
      projection: 'customer-views',
      expectedVersion: 2,
      actualVersion: 2,
      fields: ['name', 'status'],
    });
    expect(byId.get(id(4))).toMatchObject({
      finding: 'ahead',
      expectedVersion: 3,
      actualVersion: 8,
      fields: ['version'],
    });
    expect(byId.get('ghost')).toMatchObject({ finding: 'orphan', expectedVersion: undefined });
  });

  it('names a stream the projection cannot fold, and where it breaks', async () => {
    const { events, views, ids, source } = await setup(3);
    const id = ids[0] ?? '';
    const at = (await events.readStream(id)).length;
    await events.append(
      id,
      [
        {
          eventId: 'poison',
          aggregateType: 'Customer',
          aggregateId: id,
          eventType: 'CustomerSuspended',
          payload: { reason: 42 },
          timestamp: '2024-06-01T00:00:00.000Z',
          version: at + 1,
          metadata: { correlationId: 'c', schemaVersion: 1 },
        },
      ],
      { expectedVersion: at },
    );
    const report = await auditViews({
      catalog: events,
      streams: customerStreams(events, views, { audit: source }),
    });
    expect(report.counts).toMatchObject({ ok: 2, unprojectable: 1 });
    expect(report.examples).toEqual([
      {
        finding: 'unprojectable',
        aggregateType: 'Customer',
        aggregateId: id,
        projection: 'customer-views',
        expectedVersion: at,
        actualVersion: at,
        fields: [],
        error: expect.stringContaining('malformed'),
      },
    ]);
  });

  it('keeps a bounded number of examples per finding but counts them all', async () => {
    const { events, views, ids, source } = await setup(25);
    for (const id of ids.slice(0, 20)) views.delete(id);
    const report = await auditViews({
      catalog: events,
      streams: customerStreams(events, views, { audit: source }),
      examplesPerFinding: 3,
      findOrphans: false,
    });
    expect(report.counts.missing).toBe(20);
    expect(report.examples).toHaveLength(3);
    expect(report.views).toBe(0);
  });

  it('compares attributes present on either side', () => {
    expect(differingFields({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 } })).toEqual([]);
    expect(differingFields({ a: 1, b: 2 }, { a: 1, c: 3 })).toEqual(['b', 'c']);
  });
});

describe('auditViews over several stream types', () => {
  it('compares each stream with its type’s read models, finds orphans per read model, and reports an unregistered type', async () => {
    const { customers, tallies, orders, customerViews, tallyViews, streams, catalog } =
      customersAndTallies();
    const [same = '', other = ''] = await runHistories(customers, [['email'], []], 'same');
    await addTallies(tallies, same, [1, 2]);
    await addTallies(tallies, 't-2', [3]);
    await addTallies(orders, 'o-1', [1], 'Order');
    const built = await rebuildViews({ catalog, streams });
    expect(built.failed).toBe(1);
    // The tally with the customer's id is wrong; the customer with that id is not.
    tallyViews.delete(same);
    await tallyViews.put(same, { ...tallyOf(same, [1, 2]), total: 4 }, 0);
    // A tally view without a stream, and a customer whose view is missing.
    await tallyViews.put('ghost', tallyOf('ghost', [1]), 0);
    customerViews.delete(other);
    const metrics = new InMemoryMetrics();

    const report = await auditViews({ catalog, streams, metrics });

    expect(report).toMatchObject({ streams: 5, views: 3, clean: false });
    expect(report.counts).toMatchObject({
      ok: 2,
      missing: 1,
      different: 1,
      orphan: 1,
      unregistered: 1,
    });
    const found = report.examples.map((e) => [
      e.finding,
      e.aggregateType,
      e.aggregateId,
      e.projection,
    ]);
    expect(found.sort()).toEqual(
      [
        ['different', 'Tally', same, 'tally-views'],
        ['missing', 'Customer', other, 'customer-views'],
        ['orphan', 'Tally', 'ghost', 'tally-views'],
        ['unregistered', 'Order', 'o-1', undefined],
      ].sort(),
    );
    expect(report.readModels).toEqual([
      expect.objectContaining({
        name: 'customer-views',
        aggregateType: 'Customer',
        orphansScanned: false,
        counts: expect.objectContaining({ ok: 1, missing: 1 }),
      }),
      expect.objectContaining({
        name: 'tally-views',
        aggregateType: 'Tally',
        orphansScanned: true,
        views: 3,
        counts: expect.objectContaining({ ok: 1, different: 1, orphan: 1 }),
      }),
    ]);
    expect(metrics.total(METRIC.unregisteredStreamType, { consumer: 'audit' })).toBe(1);
  });
});
