import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectedView,
  historyArbitrary,
  messageBody,
  runHistories,
} from '../../test/support/customer-histories.js';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { deliverShuffled } from '../../test/support/projection-scenario.js';
import { sqsEvent, sqsRecord } from '../../test/support/sqs-messages.js';
import { addTallies, customersAndTallies, tallyOf } from '../../test/support/tally-stream-type.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import { InMemoryViewStore } from '../adapters/memory/in-memory-view-store.js';
import type { EventEnvelope } from '../core/event.js';
import { METRIC } from '../core/metrics.js';
import { ViewConflictError } from '../core/view-store.js';
import type { CustomerView } from './customer/customer-view.js';
import { createProjectorHandler } from './projector.js';

const noSleep = async () => {};

const recordingLogger = () => {
  const lines: Array<{ message: string; extra: Record<string, unknown> }> = [];
  const log = (message: string, extra: Record<string, unknown> = {}) =>
    lines.push({ message, extra });
  return { lines, logger: { debug: log, info: log, warn: log, error: log } };
};

const setUp = async (histories: Parameters<typeof runHistories>[1]) => {
  const events = new InMemoryEventStore();
  const views = new InMemoryViewStore<CustomerView>();
  const ids = await runHistories(events, histories);
  const streams = await Promise.all(ids.map((id) => events.readStream(id)));
  return { events, views, ids, streams };
};

describe('projector', () => {
  it('converges every view to the fold of its stream under duplicates, shuffling and loss', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(historyArbitrary, { minLength: 200, maxLength: 200 }),
        fc.integer(),
        async (histories, seed) => {
          const { events, views, ids, streams } = await setUp(histories);
          const projector = () =>
            createProjectorHandler({ streams: customerStreams(events, views), sleep: noSleep });
          const delivery = await deliverShuffled({
            handlers: [projector(), projector()],
            streams,
            seed,
          });
          expect(delivery.failures).toEqual([]);
          expect(delivery.dropped).toBeGreaterThan(0);
          for (const id of ids) {
            expect(await views.get(id)).toEqual(await expectedView(events, id));
          }
        },
      ),
      { numRuns: 5 },
    );
  });

  it('two instances racing on one aggregate converge to the same view', async () => {
    const { events, views, ids, streams } = await setUp([
      ['suspend', 'reactivate', 'email', 'suspend', 'reactivate', 'email', 'email', 'suspend'],
    ]);
    const [stream] = streams;
    const id = ids[0] ?? '';
    const bodies = (stream ?? []).map((e) => messageBody(e));
    const a = createProjectorHandler({ streams: customerStreams(events, views), sleep: noSleep });
    const b = createProjectorHandler({ streams: customerStreams(events, views), sleep: noSleep });
    const results = await Promise.all([
      ...bodies.map((body) => a(sqsEvent([sqsRecord(body)]))),
      ...[...bodies].reverse().map((body) => b(sqsEvent([sqsRecord(body)]))),
    ]);
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const view = await views.get(id);
    expect(view).toEqual(await expectedView(events, id));
    expect(view?.version).toBe(9);
  });

  it('reports a poison message alone and applies the rest of its batch', async () => {
    const { events, views, ids, streams } = await setUp([['suspend'], ['email']]);
    const [c0, c1] = ids;
    const good = streams.flat().map((e) => sqsRecord(messageBody(e)));
    const notJson = sqsRecord('{not json');
    const detailAsString = sqsRecord(
      JSON.stringify({ 'detail-type': 'X', source: 's', detail: JSON.stringify({}) }),
    );
    const sample = streams[0]?.[0];
    if (!sample) throw new Error('no events');
    const unknownStream = sqsRecord(messageBody({ ...sample, aggregateId: 'nobody', version: 2 }));
    const batch = [good[0], notJson, good[1], detailAsString, unknownStream, ...good.slice(2)];
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      sleep: noSleep,
    });
    const response = await projector(sqsEvent(batch.filter((r) => r !== undefined)));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [notJson.messageId, detailAsString.messageId, unknownStream.messageId].sort(),
    );
    expect(await views.get(c0 ?? '')).toEqual(await expectedView(events, c0 ?? ''));
    expect(await views.get(c1 ?? '')).toEqual(await expectedView(events, c1 ?? ''));
    expect(await views.get('nobody')).toBeUndefined();
  });

  it('does not let a redelivered CustomerRegistered reset a view that moved on', async () => {
    const { events, views, ids, streams } = await setUp([['email', 'suspend']]);
    const stream = streams[0] ?? [];
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      sleep: noSleep,
    });
    await projector(sqsEvent(stream.map((e) => sqsRecord(messageBody(e)))));
    const before = await views.get(ids[0] ?? '');
    const registered = stream[0];
    if (!registered) throw new Error('no registration');
    const response = await projector(sqsEvent([sqsRecord(messageBody(registered))]));
    expect(response.batchItemFailures).toEqual([]);
    expect(await views.get(ids[0] ?? '')).toEqual(before);
    expect(before).toMatchObject({ status: 'SUSPENDED', version: 3 });
  });

  it('resolves thin notifications and gaps from the event store', async () => {
    const { events, views, ids, streams } = await setUp([['email', 'suspend', 'reactivate']]);
    const last = streams[0]?.at(-1);
    if (!last) throw new Error('no events');
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      sleep: noSleep,
    });
    const response = await projector(sqsEvent([sqsRecord(messageBody(last, true))]));
    expect(response.batchItemFailures).toEqual([]);
    const view = await views.get(ids[0] ?? '');
    expect(view).toEqual(await expectedView(events, ids[0] ?? ''));
    expect(view).not.toHaveProperty('suspensionReason');
  });

  it('re-reads and retries after losing a write race, and gives up after its bound', async () => {
    const { events, ids, streams } = await setUp([[]]);
    const first = streams[0]?.[0];
    if (!first) throw new Error('no events');
    const inner = new InMemoryViewStore<CustomerView>();
    let conflicts = 1;
    const flaky = {
      get: (id: string) => inner.get(id),
      put: async (id: string, view: CustomerView, readVersion: number) => {
        if (conflicts-- > 0) throw new ViewConflictError(id, readVersion);
        return inner.put(id, view, readVersion);
      },
    };
    const projector = createProjectorHandler({
      streams: customerStreams(events, flaky),
      sleep: noSleep,
    });
    const ok = await projector(sqsEvent([sqsRecord(messageBody(first))]));
    expect(ok.batchItemFailures).toEqual([]);
    expect(await inner.get(ids[0] ?? '')).toEqual(await expectedView(events, ids[0] ?? ''));

    inner.clear();
    conflicts = Number.POSITIVE_INFINITY;
    const record = sqsRecord(messageBody(first));
    const bounded = createProjectorHandler({
      streams: customerStreams(events, flaky),
      sleep: noSleep,
      maxAttempts: 3,
    });
    const failed = await bounded(sqsEvent([record]));
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
  });

  it('sends a stored event it cannot apply as a failure, never skipping it', async () => {
    const { events, views, ids } = await setUp([[], []]);
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      sleep: noSleep,
    });
    const newer = [
      ['CustomerPhoneAdded', 1],
      ['CustomerSuspended', 3],
    ] as const;
    for (const [index, [eventType, schemaVersion]] of newer.entries()) {
      const id = ids[index] ?? '';
      const [registered] = await events.readStream(id);
      if (!registered) throw new Error('no events');
      await projector(sqsEvent([sqsRecord(messageBody(registered))]));
      const event = {
        ...registered,
        eventId: `${eventType}-${schemaVersion}`,
        eventType,
        payload: { phone: '+44' },
        version: 2,
        metadata: { ...registered.metadata, schemaVersion },
      };
      await events.append(id, [event], { expectedVersion: 1 });
      const record = sqsRecord(messageBody(event));
      const response = await projector(sqsEvent([record]));
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(await views.get(id)).toMatchObject({ version: 1, status: 'ACTIVE' });
    }
  });

  it('projects a v1 event arriving on the bus in its latest shape', async () => {
    const { events, views, ids } = await setUp([[]]);
    const id = ids[0] ?? '';
    const [registered] = await events.readStream(id);
    if (!registered) throw new Error('no events');
    const suspendedV1 = {
      ...registered,
      eventId: 'older',
      eventType: 'CustomerSuspended',
      payload: { reason: 'asked to' },
      version: 2,
      metadata: { correlationId: 'older', schemaVersion: 1 },
    };
    await events.append(id, [suspendedV1], { expectedVersion: 1 });
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      sleep: noSleep,
    });
    await projector(sqsEvent([sqsRecord(messageBody(registered))]));
    const response = await projector(sqsEvent([sqsRecord(messageBody(suspendedV1))]));
    expect(response.batchItemFailures).toEqual([]);
    expect(await views.get(id)).toMatchObject({
      version: 2,
      status: 'SUSPENDED',
      suspensionReasonCode: 'OTHER',
      suspensionReason: 'asked to',
    });
  });
});

describe('a message is only a notification', () => {
  const forge = (envelope: EventEnvelope, changes: Partial<EventEnvelope>): EventEnvelope => ({
    ...envelope,
    eventId: `forged-${envelope.eventId}`,
    ...changes,
  });

  it('never applies the content a message carries, only what the store holds', async () => {
    const { events, views, ids, streams } = await setUp([['email', 'suspend']]);
    const id = ids[0] ?? '';
    const stored = streams[0] ?? [];
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      sleep: noSleep,
    });
    // Every real version, each carrying content that is not what the store holds.
    const forged = stored.map((e) =>
      forge(e, {
        eventType: 'CustomerEmailUpdated',
        payload: { oldEmail: 'x@example.com', newEmail: 'attacker@example.com' },
      }),
    );
    const response = await projector(sqsEvent(forged.map((e) => sqsRecord(messageBody(e)))));
    expect(response.batchItemFailures).toEqual([]);
    expect(await views.get(id)).toEqual(await expectedView(events, id));
    expect(await views.get(id)).toMatchObject({ status: 'SUSPENDED', version: 3 });
  });

  it('a forged event at the next version, or far ahead, leaves the view at the fold of the store', async () => {
    const { events, views, ids, streams } = await setUp([['email'], []]);
    const [id = '', other = ''] = ids;
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      sleep: noSleep,
    });
    await projector(sqsEvent(streams.flat().map((e) => sqsRecord(messageBody(e)))));
    const before = views.all();
    const last = streams[0]?.at(-1) as EventEnvelope;
    const next = forge(last, {
      version: last.version + 1,
      eventType: 'CustomerEmailUpdated',
      payload: { oldEmail: 'x@example.com', newEmail: 'attacker@example.com' },
    });
    const farAhead = forge(last, {
      version: 1000,
      eventType: 'CustomerForgotten',
      payload: {},
    });
    const unknownCustomer = forge(last, {
      aggregateId: 'never-registered',
      version: 1,
      eventType: 'CustomerRegistered',
      payload: { email: 'ghost@example.com', name: 'Ghost' },
    });
    const otherTombstone = forge(streams[1]?.[0] as EventEnvelope, {
      version: 2,
      eventType: 'CustomerForgotten',
      payload: {},
    });
    for (const message of [next, farAhead, unknownCustomer, otherTombstone]) {
      await projector(
        sqsEvent([sqsRecord(messageBody(message)), sqsRecord(messageBody(message, true))]),
      );
    }
    expect(views.all()).toEqual(before);
    expect(await views.get(id)).toEqual(await expectedView(events, id));
    expect(await views.get(other)).toEqual(await expectedView(events, other));
    expect(await views.get('never-registered')).toBeUndefined();
  });

  it('rejects the versions the store does not hold, counts and logs them without their content, and drops them at the last receive', async () => {
    const { events, views, ids, streams } = await setUp([['email']]);
    const id = ids[0] ?? '';
    const stored = streams[0] ?? [];
    const metrics = new InMemoryMetrics();
    const { lines, logger } = recordingLogger();
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      metrics,
      logger,
      maxReceiveCount: 3,
      sleep: noSleep,
    });
    const forged = forge(stored.at(-1) as EventEnvelope, {
      version: 3,
      eventType: 'CustomerEmailUpdated',
      payload: { oldEmail: 'x@example.com', newEmail: 'attacker@example.com' },
    });
    const at = (envelope: EventEnvelope, receive: number) => {
      const record = sqsRecord(messageBody(envelope));
      record.attributes.ApproximateReceiveCount = String(receive);
      return record;
    };
    const early = at(forged, 1);
    const last = at(forged, 3);
    const real = stored.map((e) => at(e, 1));
    const response = await projector(sqsEvent([early, ...real, last]));

    // The real notifications project the store; the early forged one is retried, the last dropped.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: early.messageId }]);
    expect(await views.get(id)).toEqual(await expectedView(events, id));
    expect(await views.get(id)).toMatchObject({ version: 2 });
    expect(metrics.total(METRIC.notificationsRejected)).toBe(2);
    expect(metrics.total(METRIC.deadLetter)).toBe(0);
    const rejections = lines.filter((l) => l.message.startsWith('notification rejected'));
    expect(
      rejections.map((l) => [l.extra.messageId, l.extra.storeVersion, l.extra.dropped]),
    ).toEqual([
      [early.messageId, 2, undefined],
      [last.messageId, 2, true],
    ]);
    expect(JSON.stringify(lines)).not.toContain('attacker@example.com');
  });
});

describe('projector metrics and log lines', () => {
  it('times the lag from the event accepted to its view written, once per write', async () => {
    const { events, views, streams } = await setUp([['email']]);
    const [first, second] = streams[0] ?? [];
    if (!first || !second) throw new Error('fixture: two events expected');
    const metrics = new InMemoryMetrics();
    const accepted = Date.parse(second.timestamp);
    const projector = createProjectorHandler({
      streams: customerStreams(events, views),
      metrics,
      clock: { now: () => new Date(accepted + 1500) },
    });
    // The second event fills the gap; the duplicate of the first writes nothing.
    await projector(sqsEvent([sqsRecord(messageBody(second))]));
    await projector(sqsEvent([sqsRecord(messageBody(first))]));
    expect(metrics.matching(METRIC.projectionLag)).toEqual([
      { name: METRIC.projectionLag, unit: 'Milliseconds', value: 1500, dimensions: {} },
    ]);
  });

  it('counts a dead letter when a message fails at its last receive, and logs its correlation id', async () => {
    const { views } = await setUp([[]]);
    const metrics = new InMemoryMetrics();
    const { lines, logger } = recordingLogger();
    const unreadable = {
      readStream: async () => {
        throw new Error('store down');
      },
    };
    const projector = createProjectorHandler({
      streams: customerStreams(unreadable, views),
      metrics,
      logger,
      maxReceiveCount: 3,
      sleep: noSleep,
    });
    const envelope = {
      eventId: 'e-1',
      aggregateType: 'Customer',
      aggregateId: 'dl-1',
      eventType: 'CustomerSuspended',
      payload: {},
      timestamp: '2026-01-01T00:00:00.000Z',
      version: 4,
      metadata: { correlationId: 'req-77', schemaVersion: 1 },
    };
    const at = (count: number) => {
      const record = sqsRecord(messageBody(envelope));
      record.attributes.ApproximateReceiveCount = String(count);
      return record;
    };
    const answer = await projector(sqsEvent([at(1), at(3)]));
    expect(answer.batchItemFailures).toHaveLength(2);
    expect(metrics.total(METRIC.deadLetter, { source: 'projector' })).toBe(1);
    const failures = lines.filter((l) => l.message === 'message not projected');
    expect(failures.map((l) => [l.extra.correlationId, l.extra.deadLettered])).toEqual([
      ['req-77', undefined],
      ['req-77', true],
    ]);
  });
});

describe('projector over several stream types', () => {
  it('routes each notification by its type to that type’s read models; an unregistered type fails, counted', async () => {
    const { customers, tallies, orders, customerViews, tallyViews, streams } =
      customersAndTallies();
    const [same = '', other = ''] = await runHistories(customers, [['email'], ['suspend']], 'same');
    const customerEvents = [
      ...(await customers.readStream(same)),
      ...(await customers.readStream(other)),
    ];
    // A tally with a customer's id: ids are unique within a type only.
    const tallyEvents = [
      ...(await addTallies(tallies, same, [5, 7])),
      ...(await addTallies(tallies, 't-1', [1])),
    ];
    const [order] = await addTallies(orders, 'o-1', [3], 'Order');
    const orderRecord = sqsRecord(messageBody(order as EventEnvelope));
    const metrics = new InMemoryMetrics();
    const projector = createProjectorHandler({ streams, metrics, maxReceiveCount: 1 });

    const response = await projector(
      sqsEvent([
        ...customerEvents.map((e) => sqsRecord(messageBody(e))),
        orderRecord,
        ...tallyEvents.map((e) => sqsRecord(messageBody(e))),
      ]),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: orderRecord.messageId }]);
    expect(await customerViews.get(same)).toEqual(await expectedView(customers, same));
    expect(await customerViews.get(other)).toEqual(await expectedView(customers, other));
    expect([...customerViews.all().keys()].sort()).toEqual([same, other].sort());
    expect(tallyViews.all()).toEqual(
      new Map([
        [same, tallyOf(same, [5, 7])],
        ['t-1', tallyOf('t-1', [1])],
      ]),
    );
    expect(metrics.total(METRIC.unregisteredStreamType, { consumer: 'projector' })).toBe(1);
    expect(metrics.total(METRIC.deadLetter, { source: 'projector' })).toBe(1);
  });

  it('fails a stream of one type without failing the stream of another type with the same id', async () => {
    const { customers, tallies, customerViews, tallyViews, streams } = customersAndTallies();
    const [same = ''] = await runHistories(customers, [['email']], 'same');
    const registered = await customers.readStream(same);
    const broken = await addTallies(tallies, same, [2, 'not a number']);
    const tallyRecords = broken.map((e) => sqsRecord(messageBody(e)));
    const projector = createProjectorHandler({ streams, sleep: noSleep });

    const response = await projector(
      sqsEvent([...registered.map((e) => sqsRecord(messageBody(e))), ...tallyRecords]),
    );

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      tallyRecords.map((r) => r.messageId).sort(),
    );
    expect(await customerViews.get(same)).toEqual(await expectedView(customers, same));
    expect(await tallyViews.get(same)).toBeUndefined();
  });
});
