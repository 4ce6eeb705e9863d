import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestTables,
  localClientConfig,
  type TestTables,
} from '../../test/support/dynamodb.js';
import {
  createStreamPoller,
  type StreamPoller,
  type StreamPollerOptions,
} from './stream-poller.js';

const skOf = (record: DynamoDBRecord | undefined) => record?.dynamodb?.Keys?.SK?.S;

describe('stream poller', () => {
  let tables: TestTables;
  let streams: DynamoDBStreamsClient;
  let dir: string;
  let pollers: StreamPoller[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stream-poller-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    tables = await createTestTables();
    streams = new DynamoDBStreamsClient(localClientConfig(tables.endpoint));
  });
  afterEach(async () => {
    for (const poller of pollers) await poller.stop();
    pollers = [];
    streams.destroy();
    await tables.dispose();
  });

  const writeEvents = async (from: number, to: number) => {
    for (let version = from; version <= to; version++) {
      await tables.documentClient.send(
        new PutCommand({
          TableName: tables.eventStoreTableName,
          Item: {
            PK: 'CUSTOMER#c-1',
            SK: `EVENT#${String(version).padStart(10, '0')}`,
            itemType: 'EVENT',
            version,
            payload: { blob: new Uint8Array([version, 255]) },
            metadata: {},
          },
        }),
      );
    }
  };

  const startPoller = async (
    handler: StreamPollerOptions['handler'],
    options: Partial<StreamPollerOptions> = {},
  ) => {
    const poller = createStreamPoller({
      dynamodb: tables.client,
      streams,
      tableName: tables.eventStoreTableName,
      handler,
      pollIntervalMs: 50,
      retryDelayMs: 20,
      ...options,
    });
    pollers.push(poller);
    await poller.start();
    return poller;
  };

  /** Records every batch it is given; `decide` may fail some of them. */
  const recorder = (
    decide: (event: DynamoDBStreamEvent, call: number) => DynamoDBBatchResponse = () => ({
      batchItemFailures: [],
    }),
  ) => {
    const batches: string[][] = [];
    const handled: string[] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      batches.push(event.Records.map((r) => skOf(r) ?? '?'));
      const response = decide(event, batches.length);
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const firstFailed = event.Records.findIndex((r) =>
        failed.has(r.dynamodb?.SequenceNumber ?? ''),
      );
      const ok = firstFailed < 0 ? event.Records : event.Records.slice(0, firstFailed);
      handled.push(...ok.map((r) => skOf(r) ?? '?'));
      return response;
    };
    return { batches, handled, handler };
  };

  const sk = (version: number) => `EVENT#${String(version).padStart(10, '0')}`;

  it('delivers inserts in order, in batches, shaped as Lambda delivers them', async () => {
    await writeEvents(1, 5);
    const seen: DynamoDBRecord[] = [];
    const { batches, handler } = recorder((event) => {
      seen.push(...event.Records);
      return { batchItemFailures: [] };
    });
    const poller = await startPoller(handler, { batchSize: 2 });
    await poller.waitUntilIdle();

    expect(batches).toEqual([[sk(1), sk(2)], [sk(3), sk(4)], [sk(5)]]);
    const first = seen[0];
    expect(first).toMatchObject({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      eventSourceARN: poller.streamArn,
      dynamodb: {
        Keys: { PK: { S: 'CUSTOMER#c-1' }, SK: { S: sk(1) } },
        NewImage: {
          PK: { S: 'CUSTOMER#c-1' },
          SK: { S: sk(1) },
          itemType: { S: 'EVENT' },
          version: { N: '1' },
          payload: { M: { blob: { B: Buffer.from([1, 255]).toString('base64') } } },
          metadata: { M: {} },
        },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_IMAGE',
      },
    });
    const created = first?.dynamodb?.ApproximateCreationDateTime ?? 0;
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(120);
    const sequence = seen.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
    expect(sequence).toEqual([...sequence].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('retries from the first reported failure without skipping a record', async () => {
    await writeEvents(1, 5);
    const { batches, handled, handler } = recorder((event, call) => {
      // The first time around, records 3 and 5 fail; Lambda retries from 3.
      if (call > 1) return { batchItemFailures: [] };
      const ids = [event.Records[4], event.Records[2]].map((r) => r?.dynamodb?.SequenceNumber);
      return { batchItemFailures: ids.map((id) => ({ itemIdentifier: id ?? '' })) };
    });
    const poller = await startPoller(handler);
    await poller.waitUntilIdle();

    expect(batches).toEqual([
      [sk(1), sk(2), sk(3), sk(4), sk(5)],
      [sk(3), sk(4), sk(5)],
    ]);
    expect(handled).toEqual([sk(1), sk(2), sk(3), sk(4), sk(5)]);
  });

  it('retries the whole batch when the handler throws, and an unknown identifier fails it all', async () => {
    await writeEvents(1, 3);
    let calls = 0;
    const batches: string[][] = [];
    const poller = await startPoller(async (event) => {
      batches.push(event.Records.map((r) => skOf(r) ?? '?'));
      calls++;
      if (calls === 1) throw new Error('downstream unavailable');
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] };
      return { batchItemFailures: [] };
    });
    await poller.waitUntilIdle();
    const all = [sk(1), sk(2), sk(3)];
    expect(batches).toEqual([all, all, all]);
  });

  it('resumes after a restart from its checkpoint instead of replaying', async () => {
    const checkpointFile = join(dir, `${tables.eventStoreTableName}.json`);
    await writeEvents(1, 3);
    const first = recorder();
    const poller = await startPoller(first.handler, { checkpointFile });
    await poller.waitUntilIdle();
    await poller.stop();
    expect(first.handled).toEqual([sk(1), sk(2), sk(3)]);
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(saved.streamArn).toBe(poller.streamArn);

    await writeEvents(4, 5);
    const second = recorder();
    const restarted = await startPoller(second.handler, { checkpointFile });
    await restarted.waitUntilIdle();
    expect(second.batches).toEqual([[sk(4), sk(5)]]);

    // A poller without the checkpoint would read the stream from its start.
    const fresh = recorder();
    const again = await startPoller(fresh.handler);
    await again.waitUntilIdle();
    expect(fresh.handled).toEqual([sk(1), sk(2), sk(3), sk(4), sk(5)]);
  });

  it('keeps a failed record checkpointed as not done across a restart', async () => {
    const checkpointFile = join(dir, `${tables.eventStoreTableName}-fail.json`);
    await writeEvents(1, 4);
    // Record 3 keeps failing; stop while it does.
    const failing = recorder((event) => {
      const third = event.Records.find((r) => skOf(r) === sk(3));
      return {
        batchItemFailures: third ? [{ itemIdentifier: third.dynamodb?.SequenceNumber ?? '' }] : [],
      };
    });
    const poller = await startPoller(failing.handler, { checkpointFile });
    await expect.poll(() => failing.batches.length).toBeGreaterThanOrEqual(3);
    await poller.stop();
    expect(failing.handled).toEqual([sk(1), sk(2)]);

    const healed = recorder();
    const restarted = await startPoller(healed.handler, { checkpointFile });
    await restarted.waitUntilIdle();
    expect(healed.batches).toEqual([[sk(3), sk(4)]]);
  });

  it('lists the shards only at start and per refresh while idle, and still delivers the next write', async () => {
    const calls = new Map<string, number>();
    const counting = {
      send: (command: { constructor: { name: string } }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return streams.send(command as never);
      },
    } as unknown as DynamoDBStreamsClient;
    const { handled, handler } = recorder();
    const startedAt = performance.now();
    const poller = await startPoller(handler, {
      streams: counting,
      shardRefreshIntervalMs: 500,
      maxIdlePollIntervalMs: 200,
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleMs = performance.now() - startedAt;
    const idle = Object.fromEntries(calls);
    await writeEvents(1, 2);
    await poller.waitUntilIdle();

    // One listing at start and one per 500 ms; one per poll would be one per 50 to 200 ms.
    expect(idle.DescribeStream).toBeGreaterThanOrEqual(2);
    expect(idle.DescribeStream).toBeLessThanOrEqual(1 + Math.ceil(idleMs / 500));
    expect(idle.GetRecords).toBeGreaterThan(idle.DescribeStream ?? 0);
    expect(handled).toEqual([sk(1), sk(2)]);
  });
});
