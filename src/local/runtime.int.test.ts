import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectedView, runHistories } from '../../test/support/customer-histories.js';
import { localClientConfig } from '../../test/support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../../test/support/runtime-tables.js';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { readConfig } from '../config.js';
import { type LocalRuntime, startLocalRuntime } from './runtime.js';

describe('local runtime: stream → publisher → EventBridge → SQS → projector', () => {
  const config = configWithOwnTables();
  let runtime: LocalRuntime;
  let documentClient: DynamoDBDocumentClient;
  let events: DynamoDBEventStore;
  let views: DynamoDBCustomerViewStore;

  beforeAll(async () => {
    const dynamodb = localClientConfig(inject('dynamoEndpoint'));
    runtime = await startLocalRuntime({ config, dynamodb, visibilityTimeoutSeconds: 1 });
    documentClient = createDocumentClient(dynamodb);
    events = new DynamoDBEventStore({ client: documentClient, tableName: config.COMMAND_TABLE });
    views = new DynamoDBCustomerViewStore({
      client: documentClient,
      tableName: config.QUERY_TABLE,
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    documentClient?.destroy();
    await dropTables(config);
  });

  it('projects what the command side appends into the read model', async () => {
    const ids = await runHistories(
      events,
      [[], ['email', 'suspend'], ['suspend', 'reactivate']],
      'rt',
    );
    await runtime.waitUntilIdle();
    for (const id of ids) {
      const expected = await expectedView(events, id);
      expect(expected).toBeDefined();
      expect(await views.get(id)).toEqual(expected);
    }
  });

  it('still converges when EventBridge fails entries and goes away for a while', async () => {
    runtime.eventBridge.failNextEntries(3);
    const first = await runHistories(events, [['email'], ['suspend']], 'flaky');
    await runtime.waitUntilIdle();

    await runtime.eventBridge.pause();
    const second = await runHistories(events, [['email', 'email']], 'down');
    await new Promise((r) => setTimeout(r, 500));
    expect(await views.get(second[0] ?? '')).toBeUndefined();
    await runtime.eventBridge.resume();
    await runtime.waitUntilIdle();

    for (const id of [...first, ...second]) {
      expect(await views.get(id)).toEqual(await expectedView(events, id));
    }
  });
});

describe('local runtime with its own DynamoDB Local and a data folder', () => {
  let dataDir: string;
  const started: LocalRuntime[] = [];
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'local-runtime-'));
  });
  afterAll(async () => {
    // Also reached when the test times out, so no DynamoDB Local outlives the run.
    for (const runtime of started) await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const start = async (options: Parameters<typeof startLocalRuntime>[0]) => {
    const runtime = await startLocalRuntime(options);
    started.push(runtime);
    return runtime;
  };

  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('keeps data and the stream position across restarts, and stops what it started', async () => {
    const config = readConfig({});
    const published: string[] = [];
    const handlers = {
      publisher: async (event: DynamoDBStreamEvent) => {
        // This test's items only: a new table also holds the runtime's claims marker.
        const own = event.Records.filter((r) => r.dynamodb?.Keys?.PK?.S === 'P');
        published.push(...own.map((r) => r.dynamodb?.Keys?.SK?.S ?? '?'));
        return { batchItemFailures: [] };
      },
      projector: async () => ({ batchItemFailures: [] }),
    };
    const put = async (runtime: LocalRuntime, sk: string) => {
      const client = createDocumentClient(runtime.dynamodb);
      await client.send(
        new PutCommand({ TableName: config.COMMAND_TABLE, Item: { PK: 'P', SK: sk } }),
      );
      client.destroy();
    };

    const first = await start({ config, dataDir, handlers, drainTimeoutMs: 0 });
    const pid = first.dynamodbLocal?.pid ?? 0;
    try {
      await put(first, 'a');
      await put(first, 'b');
      await first.waitUntilIdle();
    } finally {
      await first.stop();
    }
    expect(published).toEqual(['a', 'b']);
    expect(isAlive(pid)).toBe(false);

    const second = await start({ config, dataDir, handlers, drainTimeoutMs: 0 });
    try {
      await put(second, 'c');
      await second.waitUntilIdle();
    } finally {
      await second.stop();
    }
    expect(published).toEqual(['a', 'b', 'c']);
    expect(isAlive(second.dynamodbLocal?.pid ?? 0)).toBe(false);
  }, 120_000);
});
