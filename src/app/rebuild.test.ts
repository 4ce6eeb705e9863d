import { describe, expect, it } from 'vitest';
import { expectedView, runHistories } from '../../test/support/customer-histories.js';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryViewStore } from '../adapters/memory/in-memory-view-store.js';
import type { CustomerView } from './customer-view.js';
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
