import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import type { StreamFailureRecord } from '../adapters/dynamodb/stream-failure-record.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import type { EventEnvelope } from '../core/event.js';
import { METRIC } from '../core/metrics.js';
import type { StreamChange, StreamChanges } from '../core/stream-changes.js';
import { StreamTypes } from '../core/stream-types.js';
import { eventsOfFailure } from './stream-failure-replay.js';

const envelope = (aggregateId: string, version: number): EventEnvelope => ({
  eventId: `${aggregateId}-${version}`,
  aggregateType: 'Customer',
  aggregateId,
  eventType: 'CustomerSuspended',
  payload: {},
  timestamp: '2026-11-30T10:00:00.000Z',
  version,
  metadata: { correlationId: 'c', schemaVersion: 1 },
});

const storeOf = (aggregateType: string) => ({
  readStream: async (id: string, range: { fromVersion?: number; toVersion?: number } = {}) =>
    [1, 2, 3, 4]
      .filter((v) => v >= (range.fromVersion ?? 1) && v <= (range.toVersion ?? 4))
      .map((v) => ({ ...envelope(id, v), aggregateType })),
});

/** Streams are read as stored, never decoded: the publisher sends what the stream carried. */
const typeOf = (aggregateType: string) => ({
  type: aggregateType,
  events: {
    readStream: async (): Promise<EventEnvelope[]> => {
      throw new Error('a replay reads events as stored');
    },
  },
  stored: storeOf(aggregateType),
  upcast: (e: EventEnvelope) => e,
  projections: [],
});

const customers = new StreamTypes([typeOf('Customer')]);

const failure: StreamFailureRecord = {
  requestContext: {
    requestId: 'r',
    functionArn: 'arn:aws:lambda:eu-west-1:1:function:publisher',
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: 11,
  },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: '2026-11-30T10:02:00.000Z',
  DDBStreamBatchInfo: {
    shardId: 'shardId-1',
    startSequenceNumber: '100',
    endSequenceNumber: '200',
    approximateArrivalOfFirstRecord: '2026-11-30T10:00:00.000Z',
    approximateArrivalOfLastRecord: '2026-11-30T10:00:05.000Z',
    batchSize: 3,
    streamArn: 'arn:aws:dynamodb:eu-west-1:1:table/events/stream/x',
  },
};

describe('the events of a failed stream batch', () => {
  it('come from the change index, over the arrival times widened, once the stream has trimmed them', async () => {
    const asked: Array<[string, string]> = [];
    const changes: StreamChanges = {
      async *changesBetween(from, to) {
        asked.push([from, to]);
        const page: StreamChange[] = [
          { aggregateType: 'Customer', aggregateId: 'a', version: 2, timestamp: '' },
          { aggregateType: 'Customer', aggregateId: 'a', version: 4, timestamp: '' },
          { aggregateType: 'Customer', aggregateId: 'b', version: 1, timestamp: '' },
        ];
        yield page;
      },
    };
    const trimmed = {
      send: async () => {
        throw Object.assign(new Error('trimmed'), { name: 'TrimmedDataAccessException' });
      },
    } as unknown as DynamoDBStreamsClient;

    const found = await eventsOfFailure(failure, {
      streams: trimmed,
      changes,
      streamTypes: customers,
    });

    expect(found.source).toBe('change-index');
    expect(found.streamError).toContain('TrimmedDataAccessException');
    expect(asked).toEqual([['2026-11-30T09:55:00.000Z', '2026-11-30T10:01:05.000Z']]);
    // Exactly the versions the index named, read from the store; 3 of `a` is not one of them.
    expect(found.events.map((e) => e.eventId)).toEqual(['a-2', 'a-4', 'b-1']);
  });

  it('come from the stream while it still holds the records, event inserts only, up to the end', async () => {
    const image = (pk: string, sk: string, itemType: string) => ({
      Keys: { PK: { S: pk }, SK: { S: sk } },
      NewImage: { itemType: { S: itemType } },
    });
    const pages = [
      {
        Records: [
          {
            eventName: 'INSERT',
            dynamodb: {
              SequenceNumber: '100',
              ...image('CUSTOMER#a', 'EVENT#0000000003', 'EVENT'),
            },
          },
          {
            eventName: 'INSERT',
            dynamodb: { SequenceNumber: '150', ...image('CUSTOMER#a', 'SNAPSHOT', 'SNAPSHOT') },
          },
          {
            eventName: 'INSERT',
            dynamodb: {
              SequenceNumber: '200',
              ...image('CUSTOMER#b', 'EVENT#0000000001', 'EVENT'),
            },
          },
          {
            eventName: 'INSERT',
            dynamodb: {
              SequenceNumber: '201',
              ...image('CUSTOMER#c', 'EVENT#0000000001', 'EVENT'),
            },
          },
        ],
        NextShardIterator: 'next',
      },
    ];
    const streams = {
      send: async (command: { input: Record<string, unknown> }) =>
        'ShardIteratorType' in command.input
          ? { ShardIterator: 'it-1' }
          : (pages.shift() ?? { Records: [] }),
    } as unknown as DynamoDBStreamsClient;
    const changes: StreamChanges = {
      // biome-ignore lint/correctness/useYield: never asked while the stream answers
      async *changesBetween() {
        throw new Error('not used');
      },
    };

    const found = await eventsOfFailure(failure, { streams, changes, streamTypes: customers });

    expect(found.source).toBe('stream');
    expect(found.events.map((e) => e.eventId)).toEqual(['a-3', 'b-1']);
  });

  it('are read from the store of each stream type; a type nothing registers is named and counted', async () => {
    const image = (pk: string, aggregateType: string | undefined) => ({
      Keys: { PK: { S: pk }, SK: { S: 'EVENT#0000000002' } },
      NewImage: {
        itemType: { S: 'EVENT' },
        ...(aggregateType ? { aggregateType: { S: aggregateType } } : {}),
      },
    });
    const records = [
      // Written before the type travelled with the event: a Customer's.
      image('CUSTOMER#same', undefined),
      image('LOYALTY#same', 'LoyaltyAccount'),
      image('ORDER#o-1', 'Order'),
    ].map((dynamodb, i) => ({
      eventName: 'INSERT',
      dynamodb: { SequenceNumber: String(100 + i), ...dynamodb },
    }));
    const pages = [{ Records: records, NextShardIterator: 'next' }];
    const streams = {
      send: async (command: { input: Record<string, unknown> }) =>
        'ShardIteratorType' in command.input
          ? { ShardIterator: 'it-1' }
          : (pages.shift() ?? { Records: [] }),
    } as unknown as DynamoDBStreamsClient;
    const metrics = new InMemoryMetrics();

    const found = await eventsOfFailure(failure, {
      streams,
      changes: { changesBetween: async function* () {} },
      streamTypes: new StreamTypes([typeOf('Customer'), typeOf('LoyaltyAccount')]),
      metrics,
    });

    expect(found.events.map((e) => [e.aggregateType, e.aggregateId, e.version])).toEqual([
      ['Customer', 'same', 2],
      ['LoyaltyAccount', 'same', 2],
    ]);
    expect(found.unregistered).toEqual([{ aggregateType: 'Order', aggregateId: 'o-1' }]);
    expect(metrics.total(METRIC.unregisteredStreamType, { consumer: 'stream-failures' })).toBe(1);
  });
});
