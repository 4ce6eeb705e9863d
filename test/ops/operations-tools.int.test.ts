import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { customerModule } from '../../src/app/customer/module.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import type { CliIo } from '../../src/ops/cli-io.js';
import { RebuildCheckpointFile } from '../../src/ops/rebuild-checkpoint.js';
import { runRebuildCli } from '../../src/ops/rebuild-cli.js';
import { runReplayCli } from '../../src/ops/replay-cli.js';
import { runStreamFailuresCli } from '../../src/ops/stream-failures-cli.js';
import { localClientConfig } from '../support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';

const config = configWithOwnTables();
const dynamodb = localClientConfig(inject('dynamoEndpoint'));
const documentClient = createDocumentClient(dynamodb);
let runtime: LocalRuntime;
let dataDir: string;
/** Notifications the projector acknowledges without projecting: lost, as in production. */
const lose = new Set<string>();

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
  return { io, out, err };
};
/** The environment an operator would set to point the tools at this runtime. */
const toolEnv = () => ({
  AWS_ENDPOINT_URL_DYNAMODB: String(dynamodb.endpoint),
  AWS_ENDPOINT_URL_SQS: runtime.sqs.endpoint,
  AWS_ENDPOINT_URL_EVENTBRIDGE: runtime.eventBridge.endpoint,
  AWS_REGION: runtime.sqs.region,
  COMMAND_TABLE: config.COMMAND_TABLE,
  QUERY_TABLE: config.QUERY_TABLE,
  EVENT_BUS_NAME: config.EVENT_BUS_NAME,
  STREAM_FAILURE_QUEUE_URL: runtime.streamFailureQueueUrl,
  // The runtime encrypts personal data: the tools decrypt with the same key.
  AWS_ENDPOINT_URL_KMS: runtime.kms?.endpoint,
  KMS_KEY_ID: runtime.kms?.aliasName,
  DATA_DIR: dataDir,
});
const viewOf = async (customerId: string, table = config.QUERY_TABLE) =>
  (await documentClient.send(new GetCommand({ TableName: table, Key: { customerId } }))).Item;
const register = async (customerId: string) =>
  runtime.service.aggregate(customerModule).commands.execute(
    {
      type: 'RegisterCustomer',
      data: { customerId, email: `${customerId}@example.com`, name: 'Op' },
    },
    { correlationId: `corr-${customerId}` },
  );
const failureQueueDepth = async (sqs: SQSClient) => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: runtime.streamFailureQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
};
/** Waits for a condition the pipeline brings about (not a timing assertion). */
const eventually = async (condition: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ops-tools-'));
  runtime = await startLocalRuntime({
    config,
    dynamodb,
    visibilityTimeoutSeconds: 1,
    // Two attempts, then the failure queue: the stack retries ten times.
    streamRetryAttempts: 1,
    handlers: {
      projector: async (event: SQSEvent) => {
        const kept = event.Records.filter((record) => {
          const detail = JSON.parse(record.body).detail as { aggregateId: string; version: number };
          return !lose.has(`${detail.aggregateId}@${detail.version}`);
        });
        return runtime.service.projector({ Records: kept });
      },
    },
  });
});

afterAll(async () => {
  await runtime?.stop();
  documentClient.destroy();
  await dropTables(config);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the reconciler on the local stack', () => {
  it('heals a view whose last notification was lost; views that are current stay as they are', async () => {
    const [lost, fine] = [`lost-${randomUUID()}`, `fine-${randomUUID()}`];
    await register(lost);
    await register(fine);
    // The projector reads a stream to its end, so version 1 must be projected before version
    // 2 exists, or its notification alone would bring the view to 2.
    await runtime.waitUntilIdle();
    lose.add(`${lost}@2`);
    await runtime.service
      .aggregate(customerModule)
      .commands.execute(
        { type: 'UpdateEmail', data: { customerId: lost, newEmail: `new-${lost}@example.com` } },
        { correlationId: 'corr-lost' },
      );
    await runtime.waitUntilIdle();
    expect(await viewOf(lost)).toMatchObject({ version: 1, email: `${lost}@example.com` });
    const fineBefore = await viewOf(fine);

    // As the schedule would start it, once the events are past the settle time.
    const report = await runtime.service.reconcile({
      clock: { now: () => new Date(Date.now() + 2 * 60_000) },
    });

    expect(report.healed).toBe(1);
    expect(report.failed).toBe(0);
    expect(await viewOf(lost)).toMatchObject({ version: 2, email: `new-${lost}@example.com` });
    expect(await viewOf(fine)).toEqual(fineBefore);
  });
});

describe('npm run stream-failures', () => {
  it('lists a batch that ran out of retries, replays it from the event store, and removes it', async () => {
    const sqs = new SQSClient(runtime.sqs.clientConfig);
    const ids = [`sf-${randomUUID()}`, `sf-${randomUUID()}`];
    try {
      await runtime.eventBridge.pause();
      for (const id of ids) await register(id);
      await eventually(async () => (await failureQueueDepth(sqs)) >= 1, 'a failure record');
      await runtime.eventBridge.resume();
      await runtime.waitUntilIdle();
      for (const id of ids) expect(await viewOf(id)).toBeUndefined();

      const listed = capture();
      expect(await runStreamFailuresCli(['list', '--json'], toolEnv(), listed.io)).toBe(0);
      const { failures } = JSON.parse(listed.out.join('\n')) as {
        failures: { record: { DDBStreamBatchInfo: Record<string, unknown> } }[];
      };
      expect(failures.length).toBeGreaterThanOrEqual(1);
      const info = failures[0]?.record.DDBStreamBatchInfo ?? {};
      expect(info.shardId).toMatch(/^shardId-/);
      expect(BigInt(String(info.endSequenceNumber))).toBeGreaterThanOrEqual(
        BigInt(String(info.startSequenceNumber)),
      );

      const replayed = capture();
      expect(await runStreamFailuresCli(['replay', '--json'], toolEnv(), replayed.io)).toBe(0);
      const outcome = JSON.parse(replayed.out.join('\n')) as {
        replayed: { source: string; events: number; unpublished: number }[];
      };
      // Read back from the stream itself, which still holds the records.
      expect(outcome.replayed.map((o) => o.source)).toEqual(failures.map(() => 'stream'));
      expect(outcome.replayed.reduce((n, o) => n + o.events, 0)).toBeGreaterThanOrEqual(2);
      await runtime.waitUntilIdle();
      for (const id of ids) {
        expect(await viewOf(id)).toMatchObject({ customerId: id, version: 1 });
      }
      expect(await failureQueueDepth(sqs)).toBe(0);
    } finally {
      await runtime.eventBridge.resume();
      sqs.destroy();
    }
  });
});

describe('npm run replay', () => {
  it('replays a time range from the event store to the projection, locally', async () => {
    const id = `replay-${randomUUID()}`;
    const from = new Date(Date.now() - 1000);
    lose.add(`${id}@1`);
    await register(id);
    await runtime.waitUntilIdle();
    expect(await viewOf(id)).toBeUndefined();
    lose.delete(`${id}@1`);

    const { io, out } = capture();
    const code = await runReplayCli(
      ['--from', from.toISOString(), '--to', new Date(Date.now() + 1000).toISOString(), '--json'],
      toolEnv(),
      io,
    );
    expect(code).toBe(0);
    const summary = JSON.parse(out.join('\n')) as { source: string; published: number };
    expect(summary.source).toBe('event-store');
    expect(summary.published).toBeGreaterThanOrEqual(1);
    await runtime.waitUntilIdle();
    expect(await viewOf(id)).toMatchObject({ customerId: id, version: 1 });
  });

  it('refuses a range that is not one, writing nothing', async () => {
    const { io, err } = capture();
    expect(await runReplayCli(['--from', 'yesterday', '--to', '2026-01-01'], toolEnv(), io)).toBe(
      2,
    );
    expect(err.join('\n')).toContain('--from must be an ISO-8601 instant');
    expect(await runReplayCli(['--from', '2026-01-02', '--to', '2026-01-01'], toolEnv(), io)).toBe(
      2,
    );
    expect(err.join('\n')).toContain('--from must be before --to');
  });
});

describe('npm run rebuild -- --into', () => {
  const green = `customer-views-green-${randomUUID().slice(0, 8)}`;
  const client = new DynamoDBClient(dynamodb);
  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: green })).catch(() => {});
    client.destroy();
  });
  const greenIds = async () =>
    (
      (await documentClient.send(new ScanCommand({ TableName: green }))).Items?.map(
        (item) => item.customerId as string,
      ) ?? []
    ).sort();
  const liveIds = async () => {
    const ids: string[] = [];
    for await (const page of runtime.service.storedEvents.listAggregateIds()) ids.push(...page);
    return ids.sort();
  };

  it('resumes after the last page a run finished', async () => {
    const firstPage = runtime.service.storedEvents.listAggregateIdPages({ limit: 3 });
    const iterator = firstPage[Symbol.asyncIterator]();
    const page = (await iterator.next()).value as { ids: string[]; cursor: string };
    await iterator.return?.();
    // A run that stopped after its first page left this behind.
    new RebuildCheckpointFile(dataDir, green).write({
      table: green,
      cursor: page.cursor,
      processed: page.ids.length,
      updated: page.ids.length,
      failed: 0,
      startedAt: new Date().toISOString(),
    });

    const { io, out } = capture();
    const code = await runRebuildCli(['--into', green, '--scan-limit', '3'], toolEnv(), io, {
      progress: false,
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(`created ${green}`);
    expect(out.join('\n')).toContain(`resuming the rebuild of ${green}`);
    const written = await greenIds();
    // Everything after the first page, nothing of it: the resumed run did not start over.
    expect(written).toEqual((await liveIds()).filter((id) => !page.ids.includes(id)));
    expect(new RebuildCheckpointFile(dataDir, green).read()).toBeUndefined();
  });

  it('builds a fresh table equal to the live read model, and leaves the live one alone', async () => {
    const { io, out } = capture();
    expect(await runRebuildCli(['--into', green], toolEnv(), io, { progress: false })).toBe(0);
    const live = await liveIds();
    expect(await greenIds()).toEqual(live);
    for (const id of live) {
      const liveView = await viewOf(id);
      if (liveView) expect(await viewOf(id, green)).toEqual(liveView);
    }
    expect(out.join('\n')).toContain(`switch QUERY_TABLE to ${green}`);

    const refused = capture();
    expect(await runRebuildCli(['--into', config.QUERY_TABLE], toolEnv(), refused.io)).toBe(2);
    expect(refused.err.join('\n')).toContain('names the live read model');
  });
});
