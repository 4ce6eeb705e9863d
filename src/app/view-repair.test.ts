import { describe, expect, it } from 'vitest';
import { expectedView, runHistories } from '../../test/support/customer-histories.js';
import { customerStreams, customerViewsBinding } from '../../test/support/customer-stream-types.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryViewStore } from '../adapters/memory/in-memory-view-store.js';
import { ViewCatchUp } from '../core/view-catch-up.js';
import { ViewConflictError } from '../core/view-store.js';
import type { CustomerView, CustomerViewRecord } from './customer/customer-view.js';
import { customerViewProjection } from './customer/customer-view.js';
import { rebuildViews } from './rebuild.js';
import { repairView } from './view-repair.js';

const noSleep = async () => {};

/** A view written behind the projector's back, whatever its version. */
const overwrite = (views: InMemoryViewStore<CustomerViewRecord>, view: CustomerViewRecord) => {
  views.delete(view.customerId);
  return views.put(view.customerId, view, 0);
};

const setUp = async () => {
  const events = new InMemoryEventStore();
  const views = new InMemoryViewStore<CustomerViewRecord>();
  const ids = await runHistories(events, [['email'], ['suspend'], []], 'rep');
  await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
  const fold = async (id: string) => (await expectedView(events, id)) as CustomerView;
  return { events, views, ids, fold };
};

describe('repairView', () => {
  it('puts back a view written wrongly at its current version, and leaves a correct one alone', async () => {
    const { events, views, ids, fold } = await setUp();
    const [wrong = '', right = ''] = ids;
    const correct = await fold(wrong);
    await overwrite(views, { ...correct, email: 'someone.else@example.com' });
    const before = await views.get(right);

    expect(await repairView(wrong, { ...customerViewsBinding(views), events })).toEqual({
      aggregateId: wrong,
      finding: 'different',
      fields: ['email'],
      expectedVersion: 2,
      actualVersion: 2,
      rewritten: true,
    });
    expect(await views.get(wrong)).toEqual(correct);
    expect(await repairView(right, { ...customerViewsBinding(views), events })).toMatchObject({
      finding: 'ok',
      rewritten: false,
    });
    expect(await views.get(right)).toEqual(before);
  });

  it('moves a view that is ahead of its stream back to the fold', async () => {
    const { events, views, ids, fold } = await setUp();
    const id = ids[1] ?? '';
    const correct = await fold(id);
    await overwrite(views, {
      customerId: id,
      status: 'FORGOTTEN',
      version: 40,
      lastUpdated: '2030-01-01T00:00:00.000Z',
    });
    expect(await repairView(id, { ...customerViewsBinding(views), events })).toMatchObject({
      finding: 'ahead',
      expectedVersion: 2,
      actualVersion: 40,
      rewritten: true,
    });
    expect(await views.get(id)).toEqual(correct);
  });

  it('reports what it must not rewrite: a view without a stream, a stream that does not fold', async () => {
    const { events, views } = await setUp();
    const orphan: CustomerView = {
      customerId: 'no-stream',
      email: 'ghost@example.com',
      name: 'Ghost',
      status: 'ACTIVE',
      registrationDate: '2024-01-01T00:00:00.000Z',
      lastUpdated: '2024-01-01T00:00:00.000Z',
      version: 1,
    };
    await overwrite(views, orphan);
    expect(await repairView('no-stream', { ...customerViewsBinding(views), events })).toMatchObject(
      {
        finding: 'orphan',
        rewritten: false,
      },
    );
    expect(await views.get('no-stream')).toEqual(orphan);

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
    const broken = await repairView('broken', { ...customerViewsBinding(views), events });
    expect(broken).toMatchObject({ finding: 'unprojectable', rewritten: false });
    expect(broken.error).toBeTruthy();
    expect(await views.get('broken')).toBeUndefined();
  });

  it('lets a projector that moves the view between the read and the rewrite win, then re-reads', async () => {
    const { events, views, ids, fold } = await setUp();
    const id = ids[2] ?? '';
    const correct = await fold(id);
    await overwrite(views, { ...correct, name: 'Not Their Name' });
    const projector = new ViewCatchUp({ events, views, projection: customerViewProjection });
    let raced = false;
    const racing = Object.assign(Object.create(views) as InMemoryViewStore<CustomerViewRecord>, {
      getStored: async (customerId: string) => {
        const read = await views.getStored(customerId);
        if (!raced) {
          raced = true;
          // A new event lands and a projector folds it into the (still wrong) view.
          await events.append(
            id,
            [
              {
                eventId: 'later',
                aggregateType: 'Customer',
                aggregateId: id,
                eventType: 'CustomerSuspended',
                payload: { reasonCode: 'FRAUD' },
                timestamp: '2024-06-01T00:00:00.000Z',
                version: 2,
                metadata: { correlationId: 'c', schemaVersion: 3 },
              },
            ],
            { expectedVersion: 1 },
          );
          await projector.catchUp(id);
        }
        return read;
      },
    });
    const outcome = await repairView(
      id,
      { ...customerViewsBinding(racing), events },
      { sleep: noSleep },
    );
    expect(outcome).toMatchObject({ finding: 'different', fields: ['name'], rewritten: true });
    const view = await views.get(id);
    expect(view).toEqual(await expectedView(events, id));
    expect(view).toMatchObject({ version: 2, status: 'SUSPENDED' });
  });

  it('gives up with a conflict when the view keeps changing', async () => {
    const { events, views, ids, fold } = await setUp();
    const id = ids[0] ?? '';
    const wrong = { ...(await fold(id)), email: 'someone.else@example.com' };
    await overwrite(views, wrong);
    const unstable = Object.assign(Object.create(views) as InMemoryViewStore<CustomerViewRecord>, {
      replace: async (customerId: string) => {
        throw new ViewConflictError(customerId, 2);
      },
    });
    await expect(
      repairView(
        id,
        { ...customerViewsBinding(unstable), events },
        { maxAttempts: 3, sleep: noSleep },
      ),
    ).rejects.toBeInstanceOf(ViewConflictError);
    expect(await views.get(id)).toEqual(wrong);
  });
});

describe('rebuildViews with and without repair', () => {
  it('plain rebuild leaves views written wrongly at or above their version; repair puts them back', async () => {
    const { events, views, ids, fold } = await setUp();
    const [different = '', ahead = '', fine = ''] = ids;
    const wrong = { ...(await fold(different)), email: 'someone.else@example.com' };
    await overwrite(views, wrong);
    const forgedAhead = { ...(await fold(ahead)), version: 9 };
    await overwrite(views, forgedAhead);
    views.delete(fine);

    const plain = await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
    expect(plain).toMatchObject({ processed: 3, updated: 1, repaired: 0, failed: 0, repairs: [] });
    expect(await views.get(different)).toEqual(wrong);
    expect(await views.get(ahead)).toEqual(forgedAhead);

    const repaired = await rebuildViews({
      catalog: events,
      streams: customerStreams(events, views),
      repair: true,
    });
    expect(repaired).toMatchObject({ processed: 3, updated: 0, repaired: 2, failed: 0 });
    expect(repaired.repairs.map((r) => [r.aggregateId, r.finding]).sort()).toEqual(
      [
        [ahead, 'ahead'],
        [different, 'different'],
      ].sort(),
    );
    for (const id of ids) expect(await views.get(id)).toEqual(await expectedView(events, id));

    const again = await rebuildViews({
      catalog: events,
      streams: customerStreams(events, views),
      repair: true,
    });
    expect(again).toMatchObject({ updated: 0, repaired: 0, failed: 0 });
  });
});
