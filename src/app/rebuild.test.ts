import { describe, expect, it } from 'vitest';
import { expectedView, runHistories } from '../../test/support/customer-histories.js';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { addTallies, customersAndTallies, tallyOf } from '../../test/support/tally-stream-type.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import { InMemoryViewStore } from '../adapters/memory/in-memory-view-store.js';
import { METRIC } from '../core/metrics.js';
import { UnregisteredStreamTypeError } from '../core/stream-types.js';
import type { CustomerView } from './customer/customer-view.js';
import { type RebuildProgress, rebuildViews } from './rebuild.js';

const histories = Array.from({ length: 57 }, (_, i) =>
  (['suspend', 'reactivate', 'email'] as const).slice(0, i % 4),
);

describe('rebuildViews', () => {
  it('builds every view from scratch, reporting progress', async () => {
    const events = new InMemoryEventStore();
    const views = new InMemoryViewStore<CustomerView>();
    const ids = await runHistories(events, histories);
    const progress: RebuildProgress[] = [];
    const report = await rebuildViews({
      catalog: events,
      streams: customerStreams(events, views),
      pageSize: 10,
      concurrency: 4,
      onProgress: (p) => progress.push(p),
    });
    expect(report).toMatchObject({ discovered: 57, processed: 57, updated: 57, failed: 0 });
    expect(progress.at(-1)).toEqual({
      discovered: 57,
      processed: 57,
      updated: 57,
      repaired: 0,
      failed: 0,
    });
    for (const id of ids) expect(await views.get(id)).toEqual(await expectedView(events, id));
  });

  it('is idempotent and only moves views forward', async () => {
    const events = new InMemoryEventStore();
    const views = new InMemoryViewStore<CustomerView>();
    const ids = await runHistories(events, histories);
    await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
    const first = views.all();
    // A stale view (as if the projector lagged) is caught up, the others are left alone.
    const lagging = ids[3] ?? '';
    views.delete(lagging);
    const again = await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
    expect(again).toMatchObject({ processed: 57, updated: 1, failed: 0 });
    expect(views.all()).toEqual(first);
  });

  it('reports a stream it cannot replay and carries on with the others', async () => {
    const events = new InMemoryEventStore();
    const views = new InMemoryViewStore<CustomerView>();
    const ids = await runHistories(events, histories.slice(0, 5));
    await events.append(
      'broken',
      [
        {
          eventId: 'x',
          aggregateType: 'Customer',
          aggregateId: 'broken',
          eventType: 'CustomerRegistered',
          payload: { nope: true },
          timestamp: '2024-01-01T00:00:00.000Z',
          version: 1,
          metadata: { correlationId: 'c', schemaVersion: 1 },
        },
      ],
      { expectedVersion: 0 },
    );
    const report = await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
    expect(report).toMatchObject({ processed: 6, updated: 5, failed: 1 });
    expect(report.failures.map((f) => f.aggregateId)).toEqual(['broken']);
    for (const id of ids) expect(await views.get(id)).toEqual(await expectedView(events, id));
  });
});

describe('rebuildViews over several stream types', () => {
  it('replays each stream into its type’s read models, and fails a type nothing registers, counted', async () => {
    const { customers, tallies, orders, customerViews, tallyViews, streams, catalog } =
      customersAndTallies();
    const ids = await runHistories(customers, histories.slice(0, 4), 'same');
    await addTallies(tallies, ids[0] ?? '', [4, 6]);
    await addTallies(orders, 'o-1', [1], 'Order');
    const metrics = new InMemoryMetrics();

    const report = await rebuildViews({ catalog, streams, metrics });

    expect(report).toMatchObject({ discovered: 6, processed: 6, updated: 5, failed: 1 });
    expect(report.failures).toEqual([
      {
        aggregateType: 'Order',
        aggregateId: 'o-1',
        error: expect.any(UnregisteredStreamTypeError),
      },
    ]);
    expect(metrics.total(METRIC.unregisteredStreamType, { consumer: 'rebuild' })).toBe(1);
    for (const id of ids) {
      expect(await customerViews.get(id)).toEqual(await expectedView(customers, id));
    }
    expect(tallyViews.all()).toEqual(new Map([[ids[0], tallyOf(ids[0] ?? '', [4, 6])]]));
  });

  it('with repair, puts back a view of either type written wrongly at its version', async () => {
    const { customers, tallies, customerViews, tallyViews, streams, catalog } =
      customersAndTallies();
    const [id = ''] = await runHistories(customers, [['email']], 'same');
    await addTallies(tallies, id, [4, 6]);
    await rebuildViews({ catalog, streams });
    const wrong = { ...tallyOf(id, [4, 6]), total: 99 };
    tallyViews.delete(id);
    await tallyViews.put(id, wrong, 0);

    const report = await rebuildViews({ catalog, streams, repair: true });

    expect(report).toMatchObject({ processed: 2, repaired: 1, failed: 0 });
    expect(report.repairs).toEqual([
      expect.objectContaining({
        aggregateType: 'Tally',
        aggregateId: id,
        projection: 'tally-views',
        finding: 'different',
        fields: ['total'],
      }),
    ]);
    expect(await tallyViews.get(id)).toEqual(tallyOf(id, [4, 6]));
    expect(await customerViews.get(id)).toEqual(await expectedView(customers, id));
  });
});
