import { describe, expect, it } from 'vitest';
import {
  expectedView,
  messageBody,
  runHistories,
  type Step,
} from '../../test/support/customer-histories.js';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { sqsEvent, sqsRecord } from '../../test/support/sqs-messages.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryViewStore } from '../adapters/memory/in-memory-view-store.js';
import type { EventEnvelope } from '../core/event.js';
import type { ViewStore } from '../core/view-store.js';
import type { CustomerViewRecord } from './customer/customer-view.js';
import { createProjectorHandler } from './projector.js';

const noSleep = async () => {};

/** Port calls, each of which is one DynamoDB call in the DynamoDB adapters. */
const counted = (events: InMemoryEventStore, views: ViewStore<CustomerViewRecord>) => {
  const calls = { readStream: 0, get: 0, getMany: 0, put: 0 };
  return {
    calls,
    total: () => calls.readStream + calls.get + calls.getMany + calls.put,
    events: {
      readStream: (...args: Parameters<InMemoryEventStore['readStream']>) => {
        calls.readStream += 1;
        return events.readStream(...args);
      },
    },
    views: {
      get: (id: string) => {
        calls.get += 1;
        return views.get(id);
      },
      getMany: (ids: readonly string[]) => {
        calls.getMany += 1;
        return views.getMany?.(ids) ?? Promise.resolve(new Map());
      },
      put: (id: string, view: CustomerViewRecord, readVersion: number) => {
        calls.put += 1;
        return views.put(id, view, readVersion);
      },
    } satisfies ViewStore<CustomerViewRecord>,
  };
};

const setUp = async (histories: Step[][]) => {
  const events = new InMemoryEventStore();
  const views = new InMemoryViewStore<CustomerViewRecord>();
  const ids = await runHistories(events, histories, 'batch');
  const streams = await Promise.all(ids.map((id) => events.readStream(id)));
  return { events, views, ids, streams };
};

describe('projector batches', () => {
  it('10 notifications for 10 customers: one batch read, then a store read and a write each', async () => {
    const { events, views, ids, streams } = await setUp(Array.from({ length: 10 }, () => []));
    const port = counted(events, views);
    const projector = createProjectorHandler({ streams: customerStreams(port.events, port.views) });

    const firsts = streams.map((stream) => stream[0] as EventEnvelope);
    const response = await projector(sqsEvent(firsts.map((e) => sqsRecord(messageBody(e)))));

    expect(response.batchItemFailures).toEqual([]);
    // What is applied comes from the store: one read per customer, never the message.
    expect(port.calls).toEqual({ readStream: 10, get: 0, getMany: 1, put: 10 });
    expect(port.calls.readStream / 10).toBe(1);
    for (const id of ids) expect(await views.get(id)).toEqual(await expectedView(events, id));
  });

  it('10 notifications for one customer, shuffled: one view read, one store read, one write', async () => {
    const { events, views, ids, streams } = await setUp([
      [
        'email',
        'suspend',
        'reactivate',
        'email',
        'email',
        'suspend',
        'reactivate',
        'email',
        'email',
      ],
    ]);
    const stream = streams[0] ?? [];
    expect(stream).toHaveLength(10);
    const port = counted(events, views);
    const projector = createProjectorHandler({ streams: customerStreams(port.events, port.views) });
    const shuffled = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5].map((i) => stream[i] as EventEnvelope);

    const response = await projector(sqsEvent(shuffled.map((e) => sqsRecord(messageBody(e)))));

    expect(response.batchItemFailures).toEqual([]);
    // One aggregate: a single GetItem, one read of its stream, one put.
    expect(port.calls).toEqual({ readStream: 1, get: 1, getMany: 0, put: 1 });
    expect(port.calls.readStream / 10).toBeLessThanOrEqual(1.2);
    expect(port.total() / 10).toBeLessThanOrEqual(0.3);
    expect(await views.get(ids[0] ?? '')).toEqual(await expectedView(events, ids[0] ?? ''));
  });

  it('reads the stream once per aggregate from the view, whatever the messages carry', async () => {
    const { events, views, ids, streams } = await setUp([['email', 'email', 'email', 'email']]);
    const stream = streams[0] ?? [];
    const port = counted(events, views);
    const projector = createProjectorHandler({ streams: customerStreams(port.events, port.views) });
    // Versions 4 and 5 arrive carrying altered content; 1 to 3 are missing from the batch.
    const altered = (e: EventEnvelope) => ({
      ...e,
      payload: { ...(e.payload as object), newEmail: 'someone.else@example.com' },
    });
    const response = await projector(
      sqsEvent([
        sqsRecord(messageBody(altered(stream[4] as EventEnvelope))),
        sqsRecord(messageBody(stream[2] as EventEnvelope, true)),
        sqsRecord(messageBody(altered(stream[3] as EventEnvelope))),
      ]),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(port.calls).toEqual({ readStream: 1, get: 1, getMany: 0, put: 1 });
    const view = await views.get(ids[0] ?? '');
    expect(view).toEqual(await expectedView(events, ids[0] ?? ''));
    expect(view?.version).toBe(5);
    expect(JSON.stringify(view)).not.toContain('someone.else@example.com');
  });

  it("reports every message of a failed aggregate and none of the others'", async () => {
    const { events, views, ids, streams } = await setUp([['email', 'email'], ['email'], []]);
    const [failing, ok1, ok2] = ids as [string, string, string];
    const broken: ViewStore<CustomerViewRecord> = {
      get: (id) => views.get(id),
      getMany: (list) => views.getMany(list),
      put: async (id, view, readVersion) => {
        if (id === failing) throw new Error('disk full');
        return views.put(id, view, readVersion);
      },
    };
    const projector = createProjectorHandler({
      streams: customerStreams(events, broken),
      sleep: noSleep,
    });
    const records = streams.flat().map((e) => ({ event: e, record: sqsRecord(messageBody(e)) }));
    const poison = sqsRecord('not json');

    const response = await projector(sqsEvent([...records.map((r) => r.record), poison]));

    const expectedFailures = [
      ...records.filter((r) => r.event.aggregateId === failing).map((r) => r.record.messageId),
      poison.messageId,
    ];
    expect(expectedFailures).toHaveLength(4);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      expectedFailures.sort(),
    );
    expect(await views.get(failing)).toBeUndefined();
    expect(await views.get(ok1)).toEqual(await expectedView(events, ok1));
    expect(await views.get(ok2)).toEqual(await expectedView(events, ok2));
  });

  it('fails every message of the batch when the batch read fails, reading no view on its own', async () => {
    const { events, views, ids, streams } = await setUp([[], []]);
    const port = counted(events, views);
    const denied = Object.assign(new Error('not authorized to perform: dynamodb:BatchGetItem'), {
      name: 'AccessDeniedException',
    });
    const failingBatch = {
      ...port.views,
      getMany: async () => {
        throw denied;
      },
    };
    const projector = createProjectorHandler({
      streams: customerStreams(port.events, failingBatch),
    });
    const records = streams.map((s) => sqsRecord(messageBody(s[0] as EventEnvelope)));
    const response = await projector(sqsEvent(records));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      records.map((r) => r.messageId).sort(),
    );
    expect(port.calls).toMatchObject({ get: 0, put: 0, readStream: 0 });
    for (const id of ids) expect(await views.get(id)).toBeUndefined();
  });
});
