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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStreamPoller } from './stream-poller.js';

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

/** A stream whose shards roll over the way DynamoDB's do: a closed parent, an open child. */
const fakeStream = (shards: FakeShard[]) => {
  const byId = new Map(shards.map((s) => [s.id, s]));
  const streams = {
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand) {
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
        const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
        const shard = byId.get(ShardId ?? '');
        if (!shard) throw new Error(`no shard ${ShardId}`);
        const position =
          ShardIteratorType === 'TRIM_HORIZON'
            ? 0
            : shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === SequenceNumber) + 1;
        return { ShardIterator: `${shard.id}|${position}` };
      }
      if (command instanceof GetRecordsCommand) {
        const [id, at] = (command.input.ShardIterator ?? '').split('|');
        const shard = byId.get(id ?? '');
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
  return { streams, dynamodb };
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
