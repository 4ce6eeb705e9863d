import type {
  PutEventsCommand,
  PutEventsCommandOutput,
  PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../core/event.js';
import { METRIC } from '../../core/metrics.js';
import { StreamTypes } from '../../core/stream-types.js';
import { UnknownEventTypeError } from '../../core/upcasting.js';
import { InMemoryMetrics } from '../memory/in-memory-metrics.js';
import {
  createEnvelopePublisher,
  createStreamPublisher,
  entrySize,
  MAX_REQUEST_BYTES,
} from './eventbridge-publisher.js';

const envelope = (aggregateId: string, version: number, payload: unknown = {}): EventEnvelope => ({
  eventId: `${aggregateId}-${version}`,
  aggregateType: 'Customer',
  aggregateId,
  eventType: version === 1 ? 'CustomerRegistered' : 'CustomerSuspended',
  payload,
  timestamp: '2024-05-01T10:00:00.000Z',
  version,
  metadata: { correlationId: 'c-1', schemaVersion: 1 },
});

let sequence = 100;
const record = (
  item: Record<string, unknown>,
  eventName: DynamoDBRecord['eventName'] = 'INSERT',
): DynamoDBRecord => ({
  eventName,
  dynamodb: {
    SequenceNumber: String(sequence++),
    // The SDK's and aws-lambda's AttributeValue types describe the same JSON.
    NewImage: marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>,
  },
});

const eventRecord = (e: EventEnvelope) =>
  record({
    PK: `CUSTOMER#${e.aggregateId}`,
    SK: `EVENT#${String(e.version).padStart(10, '0')}`,
    itemType: 'EVENT',
    ...e,
  });

const streamEvent = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

type Answer = (entries: number) => Partial<PutEventsCommandOutput> | Error;

/** A fake EventBridge: answers each call by script, records what was accepted. */
const fakeEventBridge = (script: Answer[] = []) => {
  const calls: NonNullable<PutEventsCommand['input']['Entries']>[] = [];
  const accepted: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
  const client = {
    async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
      const entries = command.input.Entries ?? [];
      calls.push(entries);
      const answer = script.shift()?.(entries.length) ?? {};
      if (answer instanceof Error) throw answer;
      const results: PutEventsResultEntry[] =
        answer.Entries ?? entries.map((_, i) => ({ EventId: `id-${calls.length}-${i}` }));
      entries.forEach((entry, i) => {
        if (results[i]?.EventId) {
          accepted.push({
            detailType: entry.DetailType ?? '',
            detail: JSON.parse(entry.Detail ?? '{}'),
          });
        }
      });
      return {
        $metadata: {},
        FailedEntryCount: results.filter((r) => r.ErrorCode).length,
        Entries: results,
      };
    },
  };
  return { client, calls, accepted };
};

const failing =
  (indexes: number[]): Answer =>
  (n) => ({
    Entries: Array.from({ length: n }, (_, i) =>
      indexes.includes(i)
        ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }
        : { EventId: `ok-${i}` },
    ),
  });

const publisherWith = (fake: ReturnType<typeof fakeEventBridge>, maxAttempts = 4) =>
  createStreamPublisher({
    client: fake.client,
    busName: 'bus',
    source: 'customer.service',
    maxAttempts,
    sleep: async () => {},
  });

describe('createStreamPublisher', () => {
  it('publishes each inserted event with source, detail-type, bus and the envelope as detail', async () => {
    const fake = fakeEventBridge();
    const e = envelope('c1', 1, { email: 'a@b.co', name: 'Ann' });
    const result = await publisherWith(fake)(streamEvent([eventRecord(e)]));
    expect(result.batchItemFailures).toEqual([]);
    expect(fake.calls).toHaveLength(1);
    const [entry] = fake.calls[0] ?? [];
    expect(entry).toMatchObject({
      EventBusName: 'bus',
      Source: 'customer.service',
      DetailType: 'CustomerRegistered',
    });
    expect(JSON.parse(entry?.Detail ?? '')).toEqual(e);
  });

  it('ignores snapshots, command records, claims, modifications and removals', async () => {
    const fake = fakeEventBridge();
    const e = envelope('c1', 1);
    const records = [
      record({ PK: 'CUSTOMER#c1', SK: 'SNAPSHOT', itemType: 'SNAPSHOT', version: 1 }),
      record({ PK: 'COMMAND#k', SK: 'COMMAND', itemType: 'COMMAND', version: 1 }),
      record({ PK: 'UNIQUE#email#a', SK: 'UNIQUE', itemType: 'UNIQUE' }),
      record({ PK: 'CUSTOMER#c1', SK: 'EVENT#1', itemType: 'EVENT', ...e }, 'MODIFY'),
      record({ PK: 'CUSTOMER#c1', SK: 'EVENT#1', itemType: 'EVENT', ...e }, 'REMOVE'),
    ];
    const result = await publisherWith(fake)(streamEvent(records));
    expect(result.batchItemFailures).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it('sends at most 10 entries per request, in stream order', async () => {
    const fake = fakeEventBridge();
    const events = Array.from({ length: 23 }, (_, i) => envelope('c1', i + 1));
    await publisherWith(fake)(streamEvent(events.map(eventRecord)));
    expect(fake.calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(fake.accepted.map((a) => a.detail.version)).toEqual(events.map((e) => e.version));
  });

  it('keeps every request within 256 KB as EventBridge counts it', async () => {
    const fake = fakeEventBridge();
    const big = 'x'.repeat(100 * 1024);
    const events = Array.from({ length: 5 }, (_, i) => envelope(`c${i}`, 1, { blob: big }));
    await publisherWith(fake)(streamEvent(events.map(eventRecord)));
    expect(fake.calls.map((c) => c.length)).toEqual([2, 2, 1]);
    for (const call of fake.calls) {
      expect(call.reduce((sum, entry) => sum + entrySize(entry), 0)).toBeLessThanOrEqual(
        MAX_REQUEST_BYTES,
      );
    }
    expect(fake.accepted).toHaveLength(5);
  });

  it('publishes an envelope too large for one entry as a thin notification', async () => {
    const fake = fakeEventBridge();
    const huge = envelope('c9', 3, { blob: 'y'.repeat(300 * 1024) });
    const result = await publisherWith(fake)(streamEvent([eventRecord(huge)]));
    expect(result.batchItemFailures).toEqual([]);
    expect(fake.accepted).toEqual([
      {
        detailType: 'CustomerSuspended',
        detail: {
          thin: true,
          aggregateType: 'Customer',
          aggregateId: 'c9',
          version: 3,
          eventType: 'CustomerSuspended',
          eventId: 'c9-3',
          // For the projection lag and the projector's log lines.
          timestamp: '2024-05-01T10:00:00.000Z',
          correlationId: 'c-1',
        },
      },
    ]);
  });

  it('retries only the entries that failed, and loses none', async () => {
    const fake = fakeEventBridge([failing([1, 4]), failing([0])]);
    const events = Array.from({ length: 6 }, (_, i) => envelope('c1', i + 1));
    const result = await publisherWith(fake)(streamEvent(events.map(eventRecord)));
    expect(result.batchItemFailures).toEqual([]);
    expect(fake.calls.map((c) => c.length)).toEqual([6, 2, 1]);
    expect(fake.accepted.map((a) => a.detail.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('retries a request that threw', async () => {
    const fake = fakeEventBridge([() => new Error('socket hang up')]);
    const result = await publisherWith(fake)(streamEvent([eventRecord(envelope('c1', 1))]));
    expect(result.batchItemFailures).toEqual([]);
    expect(fake.accepted).toHaveLength(1);
  });

  it('names the first failed record once retries run out, and stops there', async () => {
    // Batch one (10 entries) succeeds; in batch two, entries 2 and 5 keep failing.
    const fake = fakeEventBridge([
      () => ({}),
      failing([2, 5]),
      failing([0, 1]),
      failing([0, 1]),
      failing([0, 1]),
    ]);
    const records = Array.from({ length: 25 }, (_, i) => eventRecord(envelope('c1', i + 1)));
    const result = await publisherWith(fake, 4)(streamEvent(records));
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: records[12]?.dynamodb?.SequenceNumber },
    ]);
    // The third batch is not sent: the stream retries from the failed record anyway.
    expect(fake.calls.map((c) => c.length)).toEqual([10, 10, 2, 2, 2]);
  });

  it('reports an unreadable event item after publishing the records before it', async () => {
    const fake = fakeEventBridge();
    const bad = record({ PK: 'CUSTOMER#c1', SK: 'EVENT#2', itemType: 'EVENT', version: 'two' });
    const records = [eventRecord(envelope('c1', 1)), bad, eventRecord(envelope('c1', 3))];
    const result = await publisherWith(fake)(streamEvent(records));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bad.dynamodb?.SequenceNumber }]);
    expect(fake.accepted.map((a) => a.detail.version)).toEqual([1]);
  });

  describe('with an upcaster', () => {
    const suspendedV1: EventEnvelope = { ...envelope('c1', 2, { reason: 'chargeback' }) };
    // Stands in for the domain's chain: v1 {reason} → v2 {reasonCode, note}.
    const upcast = (e: EventEnvelope): EventEnvelope => {
      if (e.eventType === 'CustomerMerged') throw new UnknownEventTypeError(e);
      if (e.metadata.schemaVersion !== 1 || e.eventType !== 'CustomerSuspended') return e;
      const { reason } = e.payload as { reason: string };
      return {
        ...e,
        payload: { reasonCode: 'OTHER', note: reason },
        metadata: { ...e.metadata, schemaVersion: 2 },
      };
    };
    const upcasting = (fake: ReturnType<typeof fakeEventBridge>) =>
      createStreamPublisher({
        client: fake.client,
        busName: 'bus',
        source: 'customer.service',
        sleep: async () => {},
        upcast,
      });

    it('publishes the latest shape and schema version of an event stored in an older one', async () => {
      const fake = fakeEventBridge();
      const result = await upcasting(fake)(streamEvent([eventRecord(suspendedV1)]));
      expect(result.batchItemFailures).toEqual([]);
      expect(fake.accepted).toEqual([
        {
          detailType: 'CustomerSuspended',
          detail: {
            ...suspendedV1,
            payload: { reasonCode: 'OTHER', note: 'chargeback' },
            metadata: { correlationId: 'c-1', schemaVersion: 2 },
          },
        },
      ]);
    });

    it('publishes an event it cannot read as stored, and the events after it', async () => {
      const fake = fakeEventBridge();
      const merged = { ...envelope('c1', 3, { into: 'c9' }), eventType: 'CustomerMerged' };
      const after = envelope('c1', 4, { reason: 'r' });
      const result = await upcasting(fake)(streamEvent([eventRecord(merged), eventRecord(after)]));
      expect(result.batchItemFailures).toEqual([]);
      expect(fake.accepted.map((a) => a.detail)).toEqual([
        merged,
        {
          ...after,
          payload: { reasonCode: 'OTHER', note: 'r' },
          metadata: { correlationId: 'c-1', schemaVersion: 2 },
        },
      ]);
    });
  });
});

const recordingLogger = () => {
  const lines: Array<{ message: string; extra: Record<string, unknown> }> = [];
  const log = (message: string, extra: Record<string, unknown> = {}) =>
    lines.push({ message, extra });
  return { lines, logger: { debug: log, info: log, warn: log, error: log } };
};

describe('publishing by stream type', () => {
  // Customers' suspensions go from v1 {reason} to v2 {reasonCode, note}; Orders have one version.
  const streamTypes = new StreamTypes([
    {
      type: 'Customer',
      events: { readStream: async () => [] },
      stored: { readStream: async () => [] },
      upcast: (e) =>
        e.eventType === 'CustomerSuspended' && e.metadata.schemaVersion === 1
          ? {
              ...e,
              payload: { reasonCode: 'OTHER', note: (e.payload as { reason: string }).reason },
              metadata: { ...e.metadata, schemaVersion: 2 },
            }
          : e,
      projections: [],
    },
    {
      type: 'Order',
      events: { readStream: async () => [] },
      stored: { readStream: async () => [] },
      upcast: (e) => e,
      projections: [],
    },
  ]);
  const options = (fake: ReturnType<typeof fakeEventBridge>) => {
    const metrics = new InMemoryMetrics();
    const { lines, logger } = recordingLogger();
    return {
      metrics,
      lines,
      publisher: {
        client: fake.client,
        busName: 'bus',
        source: 'customer.service',
        sleep: async () => {},
        upcast: (e: EventEnvelope) => streamTypes.upcast(e),
        metrics,
        logger,
      },
    };
  };
  const order = (aggregateId: string, version: number): EventEnvelope => ({
    ...envelope(aggregateId, version, { total: version }),
    aggregateType: 'Order',
    eventType: 'OrderPlaced',
  });
  const loyalty = (aggregateId: string, version: number): EventEnvelope => ({
    ...envelope(aggregateId, version, { secret: 'points' }),
    aggregateType: 'Loyalty',
    eventType: 'PointsEarned',
  });

  it("upcasts each event by its stream's type, and reads an item without a type as a Customer's", async () => {
    const fake = fakeEventBridge();
    const { publisher } = options(fake);
    const { aggregateType: _, ...untyped } = envelope('c1', 2, { reason: 'chargeback' });
    const records = [
      record({ PK: 'CUSTOMER#c1', SK: 'EVENT#0000000002', itemType: 'EVENT', ...untyped }),
      eventRecord(order('c1', 1)),
    ];
    const result = await createStreamPublisher(publisher)(streamEvent(records));
    expect(result.batchItemFailures).toEqual([]);
    expect(fake.accepted.map((a) => a.detail)).toEqual([
      {
        ...untyped,
        aggregateType: 'Customer',
        payload: { reasonCode: 'OTHER', note: 'chargeback' },
        metadata: { correlationId: 'c-1', schemaVersion: 2 },
      },
      order('c1', 1),
    ]);
  });

  it('publishes an event of an unregistered type as stored, counts it, and holds nothing back', async () => {
    const fake = fakeEventBridge();
    const { publisher, metrics, lines } = options(fake);
    const events = [loyalty('l1', 1), order('o1', 1), loyalty('l1', 2)];
    const result = await createStreamPublisher(publisher)(streamEvent(events.map(eventRecord)));
    expect(result.batchItemFailures).toEqual([]);
    expect(fake.accepted.map((a) => a.detail)).toEqual(events);
    expect(metrics.total(METRIC.unregisteredStreamType, { consumer: 'publisher' })).toBe(2);
    const warnings = lines.filter((l) => l.message.includes('stream type not registered'));
    expect(warnings.map((w) => w.extra)).toEqual(
      [1, 2].map((version) => ({
        correlationId: 'c-1',
        aggregateType: 'Loyalty',
        aggregateId: 'l1',
        version,
        eventId: `l1-${version}`,
      })),
    );
    // Ids only: nothing of the payload reaches the log.
    expect(JSON.stringify(lines)).not.toContain('points');
  });

  it('does the same for envelopes read back from the store', async () => {
    const fake = fakeEventBridge();
    const { publisher, metrics } = options(fake);
    const events = [loyalty('l2', 1), order('o2', 1)];
    expect(await createEnvelopePublisher(publisher)(events)).toEqual([]);
    expect(fake.accepted.map((a) => a.detail)).toEqual(events);
    expect(metrics.total(METRIC.unregisteredStreamType, { consumer: 'publisher' })).toBe(1);
  });

  it('keeps the stream type in a thin notification', async () => {
    const fake = fakeEventBridge();
    const { publisher } = options(fake);
    const huge = { ...order('o3', 4), payload: { blob: 'z'.repeat(300 * 1024) } };
    await createStreamPublisher(publisher)(streamEvent([eventRecord(huge)]));
    expect(fake.accepted.map((a) => a.detail)).toEqual([
      {
        thin: true,
        aggregateType: 'Order',
        aggregateId: 'o3',
        version: 4,
        eventType: 'OrderPlaced',
        eventId: 'o3-4',
        timestamp: '2024-05-01T10:00:00.000Z',
        correlationId: 'c-1',
      },
    ]);
  });
});

describe('publisher metrics and correlation ids', () => {
  it('counts the events published and the entries retried', async () => {
    const fake = fakeEventBridge([failing([0, 2])]);
    const metrics = new InMemoryMetrics();
    await createStreamPublisher({
      client: fake.client,
      busName: 'bus',
      source: 'customer.service',
      sleep: async () => {},
      metrics,
    })(streamEvent([1, 2, 3].map((v) => eventRecord(envelope('m1', v)))));
    expect(metrics.total(METRIC.eventsPublished)).toBe(3);
    expect(metrics.total(METRIC.publishRetry)).toBe(2);
    expect(fake.accepted).toHaveLength(3);
  });

  it('names the correlation ids of the events in every line about a failed publication', async () => {
    const fake = fakeEventBridge([failing([0]), failing([0])]);
    const { lines, logger } = recordingLogger();
    const e = { ...envelope('m2', 1), metadata: { correlationId: 'req-42', schemaVersion: 1 } };
    const result = await createStreamPublisher({
      client: fake.client,
      busName: 'bus',
      source: 'customer.service',
      maxAttempts: 2,
      sleep: async () => {},
      logger,
    })(streamEvent([eventRecord(e)]));
    expect(result.batchItemFailures).toHaveLength(1);
    expect(lines.map((l) => l.message)).toEqual([
      'PutEvents entries failed',
      'PutEvents entries failed',
      'events not published after retries',
    ]);
    for (const line of lines) expect(line.extra.correlationIds).toEqual(['req-42']);
  });

  it('publishes envelopes read back from the store as the stream publisher would', async () => {
    const fake = fakeEventBridge([failing([1])]);
    const events = [envelope('m3', 1), envelope('m3', 2)];
    const unpublished = await createEnvelopePublisher({
      client: fake.client,
      busName: 'bus',
      source: 'customer.service',
      maxAttempts: 1,
      sleep: async () => {},
    })(events);
    expect(unpublished).toEqual([events[1]]);
    expect(fake.accepted).toEqual([{ detailType: 'CustomerRegistered', detail: events[0] }]);
  });
});

describe('concurrent PutEvents calls', () => {
  /** A client whose calls stay open until released; it counts the calls in flight. */
  const heldClient = () => {
    const open: Array<() => void> = [];
    const accepted: Array<{ aggregateId: string; version: number }> = [];
    let inFlight = 0;
    let most = 0;
    const client = {
      async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
        const entries = command.input.Entries ?? [];
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => open.push(resolve));
        inFlight--;
        for (const entry of entries) {
          const detail = JSON.parse(entry.Detail ?? '{}') as {
            aggregateId: string;
            version: number;
          };
          accepted.push({ aggregateId: detail.aggregateId, version: detail.version });
        }
        return {
          $metadata: {},
          FailedEntryCount: 0,
          Entries: entries.map(() => ({ EventId: 'x' })),
        };
      },
    };
    /** Releases the open calls, newest first, until none is left. */
    const drainAll = async () => {
      for (;;) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        const next = open.pop();
        if (!next) return;
        next();
      }
    };
    return { client, accepted, most: () => most, open, drainAll };
  };

  it('a stream batch of 100 events of different customers is 10 calls in flight at once', async () => {
    const held = heldClient();
    const publish = createStreamPublisher({ client: held.client, busName: 'bus', source: 's' });
    const records = Array.from({ length: 100 }, (_, i) => eventRecord(envelope(`c${i}`, 1)));
    const done = publish(streamEvent(records));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(held.open).toHaveLength(10);
    await held.drainAll();
    expect(await done).toEqual({ batchItemFailures: [] });
    expect(held.most()).toBe(10);
    expect(held.accepted).toHaveLength(100);
  });

  it("each customer's events reach the bus in version order, whatever order the calls finish in", async () => {
    const held = heldClient();
    const publish = createStreamPublisher({
      client: held.client,
      busName: 'bus',
      source: 's',
      concurrency: 4,
    });
    // Two customers among many others, their events spread over calls 1 to 6 of 6.
    const hot: Record<number, [string, number]> = {
      0: ['hot0', 1],
      12: ['hot1', 1],
      25: ['hot0', 2],
      37: ['hot1', 2],
      50: ['hot0', 3],
      59: ['hot1', 3],
    };
    const envelopes = Array.from({ length: 60 }, (_, i) => {
      const [customer, version] = hot[i] ?? [`c${i}`, 1];
      return envelope(customer, version);
    });
    const done = publish(streamEvent(envelopes.map(eventRecord)));
    await held.drainAll();
    expect(await done).toEqual({ batchItemFailures: [] });
    for (const customer of ['hot0', 'hot1']) {
      const versions = held.accepted
        .filter((a) => a.aggregateId === customer)
        .map((a) => a.version);
      expect(versions).toEqual(
        envelopes.filter((e) => e.aggregateId === customer).map((e) => e.version),
      );
      expect(versions).toEqual([1, 2, 3]);
    }
    // Calls with no customer in common overlapped.
    expect(held.most()).toBeGreaterThan(1);
  });
});
