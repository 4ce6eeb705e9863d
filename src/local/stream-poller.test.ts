import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidStreamPollerOptionError } from './stream/stream-poller-errors.js';
import {
  createStreamPoller,
  type StreamHandler,
  type StreamPoller,
  type StreamPollerOptions,
} from './stream-poller.js';

const STREAM_ARN = 'arn:aws:dynamodb:local:000000000000:table/events/stream/1';

interface FakeShard {
  id: string;
  parent?: string;
  closed: boolean;
  records: _Record[];
}

const record = (sequence: number): _Record => ({
  eventID: `e${sequence}`,
  eventName: 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'ddblocal',
  dynamodb: {
    Keys: { PK: { S: `K${sequence}` } },
    NewImage: { PK: { S: `K${sequence}` } },
    SequenceNumber: String(sequence).padStart(21, '0'),
    SizeBytes: 10,
    StreamViewType: 'NEW_IMAGE',
  },
});

/**
 * A stream whose shards roll over the way DynamoDB's do: a closed parent, an open child.
 * The list is read live, so a test may add shards, records or close a shard; `calls`
 * counts the commands by name.
 */
const fakeStream = (shards: FakeShard[]) => {
  const calls = { DescribeStream: 0, GetShardIterator: 0, GetRecords: 0 };
  const byId = (id: string | undefined) => shards.find((s) => s.id === id);
  const streams = {
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand) {
        calls.DescribeStream++;
        return {
          StreamDescription: {
            StreamArn: STREAM_ARN,
            Shards: shards.map((s) => ({
              ShardId: s.id,
              ...(s.parent ? { ParentShardId: s.parent } : {}),
            })),
          },
        };
      }
      if (command instanceof GetShardIteratorCommand) {
        calls.GetShardIterator++;
        const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
        const shard = byId(ShardId);
        if (!shard) throw new Error(`no shard ${ShardId}`);
        const position =
          ShardIteratorType === 'TRIM_HORIZON'
            ? 0
            : shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === SequenceNumber) + 1;
        return { ShardIterator: `${shard.id}|${position}` };
      }
      if (command instanceof GetRecordsCommand) {
        calls.GetRecords++;
        const [id, at] = (command.input.ShardIterator ?? '').split('|');
        const shard = byId(id);
        if (!shard) throw new Error('bad iterator');
        const from = Number(at);
        const page = shard.records.slice(from, from + (command.input.Limit ?? 1000));
        const next = from + page.length;
        const done = shard.closed && next >= shard.records.length;
        return { Records: page, ...(done ? {} : { NextShardIterator: `${shard.id}|${next}` }) };
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBStreamsClient;
  const dynamodb = {
    send: async (command: unknown) => {
      if (!(command instanceof DescribeTableCommand)) throw new Error('unexpected command');
      return {
        Table: { LatestStreamArn: STREAM_ARN, StreamSpecification: { StreamEnabled: true } },
      };
    },
    config: { region: async () => 'eu-west-1' },
  } as unknown as DynamoDBClient;
  return { streams, dynamodb, calls };
};

describe('stream poller across shard rollover', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stream-rollover-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a closed parent to its end before its child, and resumes both from the checkpoint', async () => {
    const parent: FakeShard = { id: 'shard-1', closed: true, records: [1, 2, 3].map(record) };
    const child: FakeShard = {
      id: 'shard-2',
      parent: 'shard-1',
      closed: false,
      records: [4, 5].map(record),
    };
    // Listed child first: order must come from the parent link, not the listing.
    const { streams, dynamodb } = fakeStream([child, parent]);
    const checkpointFile = join(dir, 'checkpoint.json');
    const batches: string[][] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      batches.push(event.Records.map((r) => r.dynamodb?.Keys?.PK?.S ?? '?'));
      return { batchItemFailures: [] };
    };
    const options = {
      dynamodb,
      streams,
      tableName: 'events',
      handler,
      checkpointFile,
      pollIntervalMs: 10,
    };

    const poller = createStreamPoller({ ...options, batchSize: 2 });
    await poller.start();
    await poller.waitUntilIdle();
    await poller.stop();
    expect(batches).toEqual([['K1', 'K2'], ['K3'], ['K4', 'K5']]);
    expect(JSON.parse(await readFile(checkpointFile, 'utf8'))).toEqual({
      streamArn: STREAM_ARN,
      shards: {
        'shard-1': { sequenceNumber: '000000000000000000003', finished: true },
        'shard-2': { sequenceNumber: '000000000000000000005' },
      },
    });

    batches.length = 0;
    child.records.push(record(6));
    const restarted = createStreamPoller(options);
    await restarted.start();
    await restarted.waitUntilIdle();
    await restarted.stop();
    expect(batches).toEqual([['K6']]);
  });

  it('gives records the Lambda shape, with binary as base64 and seconds since the epoch', async () => {
    const withBinary: _Record = {
      ...record(1),
      dynamodb: {
        ...record(1).dynamodb,
        ApproximateCreationDateTime: new Date('2024-01-02T03:04:05Z'),
        NewImage: { data: { B: new Uint8Array([1, 2, 3]) }, set: { BS: [new Uint8Array([4])] } },
      },
    };
    const { streams, dynamodb } = fakeStream([{ id: 's', closed: false, records: [withBinary] }]);
    const events: DynamoDBStreamEvent[] = [];
    const poller = createStreamPoller({
      dynamodb,
      streams,
      tableName: 'events',
      pollIntervalMs: 10,
      handler: async (event) => {
        events.push(event);
        return undefined;
      },
    });
    await poller.start();
    await poller.waitUntilIdle();
    await poller.stop();
    expect(events[0]?.Records[0]).toEqual({
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      eventSourceARN: STREAM_ARN,
      dynamodb: {
        ApproximateCreationDateTime: Date.UTC(2024, 0, 2, 3, 4, 5) / 1000,
        Keys: { PK: { S: 'K1' } },
        NewImage: { data: { B: 'AQID' }, set: { BS: ['BA=='] } },
        SequenceNumber: '000000000000000000001',
        SizeBytes: 10,
        StreamViewType: 'NEW_IMAGE',
      },
    });
  });
});

const keysOf = (event: DynamoDBStreamEvent) =>
  event.Records.map((r) => r.dynamodb?.Keys?.PK?.S ?? '?');

/** Poller time runs on fake timers: seconds of idleness pass in a few milliseconds. */
describe('stream poller while idle and across shards', () => {
  let poller: StreamPoller | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    const stopping = poller?.stop();
    await vi.runOnlyPendingTimersAsync();
    await stopping;
    poller = undefined;
    vi.useRealTimers();
  });

  const start = async (
    shards: FakeShard[],
    handler: StreamHandler,
    options: Partial<StreamPollerOptions> = {},
  ) => {
    const fake = fakeStream(shards);
    poller = createStreamPoller({
      dynamodb: fake.dynamodb,
      streams: fake.streams,
      tableName: 'events',
      handler,
      pollIntervalMs: 100,
      maxIdlePollIntervalMs: 1000,
      shardRefreshIntervalMs: 5000,
      retryDelayMs: 100,
      maxRetryDelayMs: 2000,
      ...options,
    });
    await poller.start();
    return { poller, calls: fake.calls };
  };

  const recording = () => {
    const batches: string[][] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      batches.push(keysOf(event));
      return { batchItemFailures: [] };
    };
    return { batches, handler };
  };

  it('lists the shards once per refresh interval and pauses longer and longer between empty reads', async () => {
    const { handler } = recording();
    const { calls } = await start([{ id: 's', closed: false, records: [] }], handler);
    await vi.advanceTimersByTimeAsync(60_000);

    // At start, then every 5 s: 13 listings in 60 s, where one per poll made hundreds.
    expect(calls.DescribeStream).toBe(13);
    // Eleven reads 0.1 s apart, pauses of 0.2, 0.4 and 0.8 s, then of 1 s: 71 reads in 60 s
    // rather than 600.
    expect(calls.GetRecords).toBe(71);
    expect(calls.GetShardIterator).toBe(1);
  });

  it('delivers the first record after a quiet spell within the longest idle pause', async () => {
    const shard: FakeShard = { id: 's', closed: false, records: [] };
    const { batches, handler } = recording();
    await start([shard], handler);
    await vi.advanceTimersByTimeAsync(30_000);
    shard.records.push(record(1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(batches).toEqual([['K1']]);
  });

  it('keeps the short pause under light steady traffic', async () => {
    const shard: FakeShard = { id: 's', closed: false, records: [] };
    const { batches, handler } = recording();
    await start([shard], handler);
    await vi.advanceTimersByTimeAsync(30_000);
    // The first record after the quiet spell waits out the long pause...
    shard.records.push(record(0));
    await vi.advanceTimersByTimeAsync(1000);
    // ...then records 0.8 s apart are each read within one short pause (0.1 s).
    const late: number[] = [];
    for (let i = 1; i <= 10; i++) {
      shard.records.push(record(i));
      await vi.advanceTimersByTimeAsync(100);
      if (batches.length !== i + 1) late.push(i);
      await vi.advanceTimersByTimeAsync(700);
    }
    expect(late).toEqual([]);
    expect(batches).toEqual(Array.from({ length: 11 }, (_, i) => [`K${i}`]));
  });

  it('cuts the idle pause short for waitUntilIdle', async () => {
    const shard: FakeShard = { id: 's', closed: false, records: [] };
    const { batches, handler } = recording();
    const { poller } = await start([shard], handler);
    await vi.advanceTimersByTimeAsync(30_000);
    shard.records.push(record(1), record(2));
    // No timer is advanced: waiting wakes the sleeping shard.
    await poller.waitUntilIdle();
    expect(batches).toEqual([['K1', 'K2']]);
  });

  it('finds a new shard at the next refresh of the list', async () => {
    const shards: FakeShard[] = [{ id: 'a', closed: false, records: [record(1)] }];
    const { batches, handler } = recording();
    const { calls } = await start(shards, handler);
    await vi.advanceTimersByTimeAsync(1000);
    shards.push({ id: 'b', closed: false, records: [record(2)] });
    await vi.advanceTimersByTimeAsync(3000);
    const beforeRefresh = [...batches];
    await vi.advanceTimersByTimeAsync(1000);

    expect(beforeRefresh).toEqual([['K1']]);
    expect(batches).toEqual([['K1'], ['K2']]);
    expect(calls.DescribeStream).toBe(2);
  });

  it('lists the shards as soon as one ends and reads its child after it, in order', async () => {
    const parent: FakeShard = { id: 'p', closed: false, records: [1, 2].map(record) };
    const shards = [parent];
    const { batches, handler } = recording();
    // A listing every minute: only the end of the parent can make the child known in time.
    const { calls } = await start(shards, handler, { shardRefreshIntervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(5000);
    parent.records.push(record(3));
    parent.closed = true;
    shards.push({ id: 'c', parent: 'p', closed: false, records: [4, 5].map(record) });
    await vi.advanceTimersByTimeAsync(2000);

    expect(batches).toEqual([['K1', 'K2'], ['K3'], ['K4', 'K5']]);
    expect(calls.DescribeStream).toBe(2);
  });

  it('reads open shards concurrently: a slow batch on one does not hold the other', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batches: string[][] = [];
    await start(
      [
        { id: 'slow', closed: false, records: [record(1)] },
        { id: 'fast', closed: false, records: [record(2), record(3)] },
      ],
      async (event) => {
        batches.push(keysOf(event));
        if (keysOf(event).includes('K1')) await held;
        return { batchItemFailures: [] };
      },
      { batchSize: 1 },
    );
    await vi.advanceTimersByTimeAsync(1000);
    const whileHeld = [...batches];
    release();
    await vi.advanceTimersByTimeAsync(1000);

    expect(whileHeld).toEqual([['K1'], ['K2'], ['K3']]);
    expect(batches).toEqual(whileHeld);
  });

  it('holds a shard on a poison record with growing pauses, skipping nothing, while others flow', async () => {
    const poisoned: FakeShard = { id: 'poisoned', closed: false, records: [1, 2, 3].map(record) };
    const healthy: FakeShard = { id: 'healthy', closed: false, records: [record(10)] };
    const batches: string[][] = [];
    const handled: string[] = [];
    const { poller } = await start([poisoned, healthy], async (event) => {
      const keys = keysOf(event);
      batches.push(keys);
      const poison = event.Records.find((r) => r.dynamodb?.Keys?.PK?.S === 'K2');
      const upTo = poison ? keys.indexOf('K2') : keys.length;
      handled.push(...keys.slice(0, upTo));
      return {
        batchItemFailures: poison
          ? [{ itemIdentifier: poison.dynamodb?.SequenceNumber ?? '' }]
          : [],
      };
    });
    await vi.advanceTimersByTimeAsync(10_000);
    healthy.records.push(record(11));
    await vi.advanceTimersByTimeAsync(10_000);

    const poisonedBatches = batches.filter((b) => !b.includes('K10') && !b.includes('K11'));
    // Retries after 0.1, 0.2, 0.4, 0.8 and 1.6 s, then every 2 s: 13 retries in 20 s.
    expect(poisonedBatches).toEqual([['K1', 'K2', 'K3'], ...Array(13).fill(['K2', 'K3'])]);
    expect(handled.filter((k) => ['K1', 'K2', 'K3'].includes(k))).toEqual(['K1']);
    expect(handled.filter((k) => ['K10', 'K11'].includes(k))).toEqual(['K10', 'K11']);
    // A shard waiting for a retry is not idle.
    const waiting = expect(poller.waitUntilIdle(3000)).rejects.toThrow(/not idle within 3000 ms/);
    await vi.advanceTimersByTimeAsync(3000);
    await waiting;
  });
});

describe('stream poller options', () => {
  it('refuses a pause out of range, naming the option', () => {
    const { streams, dynamodb } = fakeStream([]);
    const base = { streams, dynamodb, tableName: 'events', handler: async () => undefined };
    expect(() => createStreamPoller({ ...base, pollIntervalMs: 0 })).toThrow(
      InvalidStreamPollerOptionError,
    );
    expect(() => createStreamPoller({ ...base, shardRefreshIntervalMs: Number.NaN })).toThrow(
      /shardRefreshIntervalMs must be a positive number/,
    );
    expect(() =>
      createStreamPoller({ ...base, pollIntervalMs: 500, maxIdlePollIntervalMs: 200 }),
    ).toThrow(/maxIdlePollIntervalMs must be at least pollIntervalMs \(500\)/);
  });
});
