import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerServiceStack } from '../../infra/customer-service-stack.js';
import { GREEN_VIEWS_TABLE_PREFIX, OPERATOR_TOOLS } from '../../infra/operator-tool-policies.js';
import { customerModule } from '../../src/app/customer/module.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/ports.js';
import type { AwsJsonServer } from '../../src/local/aws-json/aws-json-server.js';
import { LOCAL_REGION } from '../../src/local/local-endpoints.js';
import {
  shardLookup,
  withStreamFailureDestination,
} from '../../src/local/stream/stream-failure-destination.js';
import { runAuditCli } from '../../src/ops/audit-cli.js';
import type { CliIo } from '../../src/ops/cli-io.js';
import { runDlqCli } from '../../src/ops/dlq-cli.js';
import { runEncryptLegacyCli } from '../../src/ops/encrypt-legacy-cli.js';
import { runRebuildCli } from '../../src/ops/rebuild-cli.js';
import { runReplayCli } from '../../src/ops/replay-cli.js';
import { runRetireViewsCli } from '../../src/ops/retire-views-cli.js';
import { runRotateBranchKeyCli } from '../../src/ops/rotate-branch-key-cli.js';
import { runStreamFailuresCli } from '../../src/ops/stream-failures-cli.js';
import { AwsCallRecorder } from '../support/aws-call-recorder.js';
import { legacyEventItem } from '../support/legacy-events.js';
import { startArchiveEndpoint } from './archive-endpoint.js';
import { type Deployment, denials, evaluateCalls, type Verdict } from './evaluate-calls.js';
import { type LocalAws, startLocalAws } from './local-aws.js';
import type { CfnTemplate } from './stack-policies.js';
import { deployment, synthesize } from './stack-template.js';
import { insertedEvents } from './stream-records.js';

type Tool = (typeof OPERATOR_TOOLS)[number];

const recorder = new AwsCallRecorder();
let local: LocalAws;
let stack: CustomerServiceStack;
let template: CfnTemplate;
let placed: Deployment;
let dataDir: string;
let archives: AwsJsonServer;
const ARCHIVE = 'customer-events-archive';
const green = `${GREEN_VIEWS_TABLE_PREFIX}iam-${randomUUID().slice(0, 8)}`;
const exits = new Map<string, { exit: number; errors: string[] }>();
const verdicts = new Map<Tool, Verdict[]>();

/** What the tool said on stderr, by run: the reason when it did not exit 0. */
const said: string[] = [];
const quietIo: CliIo = { out: () => {}, err: (line) => said.push(line) };

/** What an operator sets from the stack's outputs, here the local stack's. */
const toolEnvironment = () => ({
  // With an endpoint and no credentials, the tools' clients use local ones.
  ...Object.fromEntries(
    Object.entries(local.clientEnvironment).filter(
      ([name]) => !name.startsWith('AWS_SECRET') && name !== 'AWS_ACCESS_KEY_ID',
    ),
  ),
  COMMAND_TABLE: local.tables.eventStoreTableName,
  QUERY_TABLE: local.tables.viewsTableName,
  KMS_KEY_ID: local.kms.keyArn,
  EVENT_BUS_NAME: local.busName,
  PROJECTION_QUEUE_URL: local.sqs.queueUrl,
  PROJECTION_DLQ_URL: local.sqs.dlqUrl,
  STREAM_FAILURE_QUEUE_URL: local.streamFailureQueueUrl,
  DATA_DIR: dataDir,
});

/**
 * Each tool's runs, as the role its managed policy is attached to: the commands
 * `docs/operations.md` gives for it, through the same entry points as `npm run`.
 */
const TOOL_RUNS: Record<Tool, { name: string; run: () => Promise<number> }[]> = {
  streamFailures: [
    // Republishes stored events: docs/deploy.md runs it as the stream-failures role.
    {
      name: 'replay --from-store',
      run: () =>
        runReplayCli(
          [
            '--from',
            new Date(Date.now() - 3_600_000).toISOString(),
            '--to',
            new Date(Date.now() + 60_000).toISOString(),
            '--from-store',
          ],
          toolEnvironment(),
          quietIo,
        ),
    },
    {
      name: 'stream-failures list',
      run: () => runStreamFailuresCli(['list'], toolEnvironment(), quietIo),
    },
    {
      name: 'stream-failures replay',
      run: () => runStreamFailuresCli(['replay'], toolEnvironment(), quietIo),
    },
  ],
  // From the archive, on an endpoint that answers for one (the local stack has none).
  replay: [
    {
      name: 'replay (archive)',
      run: () => {
        const { AWS_ENDPOINT_URL_EVENTBRIDGE: _, ...environment }: Record<string, string> =
          toolEnvironment();
        return runReplayCli(
          [
            '--from',
            new Date(Date.now() - 3_600_000).toISOString(),
            '--to',
            new Date(Date.now() + 60_000).toISOString(),
          ],
          {
            ...environment,
            AWS_ENDPOINT_URL: archives.endpoint,
            EVENT_ARCHIVE_NAME: ARCHIVE,
          },
          quietIo,
        );
      },
    },
  ],
  blueGreenRebuild: [
    {
      name: 'rebuild --into',
      run: () => runRebuildCli(['--into', green], toolEnvironment(), quietIo),
    },
  ],
  deadLetters: [
    { name: 'dlq list', run: () => runDlqCli(['list'], toolEnvironment(), quietIo) },
    {
      name: 'dlq list --diagnose',
      run: () => runDlqCli(['list', '--diagnose'], toolEnvironment(), quietIo),
    },
    { name: 'dlq redrive', run: () => runDlqCli(['redrive'], toolEnvironment(), quietIo) },
  ],
  viewsMaintenance: [
    { name: 'rebuild', run: () => runRebuildCli([], toolEnvironment(), quietIo) },
    {
      name: 'rebuild --repair',
      run: () => runRebuildCli(['--repair'], toolEnvironment(), quietIo),
    },
    { name: 'audit:views', run: () => runAuditCli([], toolEnvironment(), quietIo) },
  ],
  encryptLegacy: [
    { name: 'encrypt-legacy', run: () => runEncryptLegacyCli([], toolEnvironment(), quietIo) },
  ],
  retireViews: [
    {
      name: 'retire-views',
      run: () => runRetireViewsCli(['--table', green], toolEnvironment(), quietIo),
    },
    {
      name: 'retire-views --delete-table',
      run: () =>
        runRetireViewsCli(['--table', green, '--delete-table'], toolEnvironment(), quietIo),
    },
  ],
  rotateBranchKey: [
    { name: 'rotate-branch-key', run: () => runRotateBranchKeyCli([], toolEnvironment(), quietIo) },
  ],
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'iam-tools-'));
  local = await startLocalAws();
  archives = await startArchiveEndpoint();
  recorder.attachTo(DynamoDBClient, KMSClient);
  recorder.ignore(...local.standInClients);
  ({ stack, template } = synthesize());
  placed = deployment(template, { ...local.byOutput, EventArchiveName: ARCHIVE });

  // Customers, encrypted as the service writes them, and one stream of before encryption.
  const kms = new KMSClient(local.kms.clientConfig);
  const eventBridge = new EventBridgeClient({
    endpoint: local.eventBridge.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const service = new Service({
    config: readConfig({
      COMMAND_TABLE: local.tables.eventStoreTableName,
      QUERY_TABLE: local.tables.viewsTableName,
      KMS_KEY_ID: local.kms.keyArn,
      EVENT_BUS_NAME: local.busName,
    }),
    clients: { dynamodb: local.tables.documentClient, kms, eventBridge },
    logger: silentLogger,
  });
  for (let index = 0; index < 3; index += 1) {
    const customerId = `tool-${randomUUID()}`;
    await service.aggregate(customerModule).commands.execute(
      {
        type: 'RegisterCustomer',
        data: { customerId, email: `${customerId}@example.com`, name: 'T' },
      },
      { correlationId: randomUUID() },
    );
  }
  const legacyId = `legacy-${randomUUID()}`;
  await local.tables.documentClient.send(
    new PutCommand({
      TableName: local.tables.eventStoreTableName,
      Item: legacyEventItem(legacyId, 1, 'CustomerRegistered', {
        customerId: legacyId,
        email: `${legacyId}@example.com`,
        name: 'Legacy',
      }),
    }),
  );

  // A dead letter (a notification the bus delivered) and a stream batch out of retries.
  const records = await insertedEvents(
    local.tables.client,
    local.tables.endpoint,
    local.tables.eventStoreTableName,
  );
  await service.publisher({ Records: records.slice(0, 1) });
  let delivered: string | undefined;
  while (!delivered) {
    const { Messages = [] } = await local.sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: local.sqs.queueUrl, WaitTimeSeconds: 1 }),
    );
    delivered = Messages[0]?.Body;
  }
  await local.sqsClient.send(
    new SendMessageCommand({ QueueUrl: local.sqs.dlqUrl, MessageBody: delivered }),
  );
  const streams = new DynamoDBStreamsClient({
    endpoint: local.tables.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const failing = withStreamFailureDestination(
    async () => {
      throw new Error('the bus refused');
    },
    {
      maxAttempts: 1,
      shardOf: shardLookup(streams),
      logger: silentLogger,
      send: async (record) => {
        await local.sqsClient.send(
          new SendMessageCommand({
            QueueUrl: local.streamFailureQueueUrl,
            MessageBody: JSON.stringify(record),
          }),
        );
      },
    },
  );
  await failing({ Records: records.slice(0, 2) });
  streams.destroy();

  for (const tool of OPERATOR_TOOLS) {
    for (const { name, run } of TOOL_RUNS[tool]) {
      said.length = 0;
      const exit = await recorder.as(tool, run);
      exits.set(name, { exit, errors: exit === 0 ? [] : [...said] });
    }
    const roleId = stack.resolve(stack.toolPolicies.roles[tool].roleArn)['Fn::GetAtt'][0] as string;
    verdicts.set(tool, await evaluateCalls(recorder.callsOf(tool), roleId, placed));
  }
  kms.destroy();
  eventBridge.destroy();
}, 240_000);

afterAll(async () => {
  recorder.detach();
  await local?.tables.client
    .send(new DeleteTableCommand({ TableName: green }))
    .catch(() => undefined);
  await archives?.stop();
  await local?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("every AWS call each operator tool makes is allowed by its role's managed policy", () => {
  it('runs every tool to the end', () => {
    expect(Object.fromEntries(exits)).toEqual(
      Object.fromEntries([...exits.keys()].map((name) => [name, { exit: 0, errors: [] }])),
    );
    for (const tool of OPERATOR_TOOLS) {
      if (TOOL_RUNS[tool].length > 0)
        expect(recorder.callsOf(tool).length, tool).toBeGreaterThan(0);
    }
  });

  it('covers what each tool does: replays, redrives, decrypts, rewrites, erases', () => {
    const actionsOf = (tool: Tool) => [...new Set((verdicts.get(tool) ?? []).map((v) => v.action))];
    const expected: Record<Tool, string[]> = {
      streamFailures: ['sqs:ReceiveMessage', 'dynamodb:GetRecords', 'events:PutEvents'],
      replay: [
        'events:DescribeEventBus',
        'events:DescribeArchive',
        'events:DescribeRule',
        'events:StartReplay',
      ],
      blueGreenRebuild: ['dynamodb:CreateTable', 'dynamodb:PutItem', 'kms:Decrypt'],
      deadLetters: ['sqs:ReceiveMessage', 'sqs:SendMessage', 'sqs:DeleteMessage', 'kms:Decrypt'],
      viewsMaintenance: ['dynamodb:Scan', 'dynamodb:PutItem', 'kms:Decrypt'],
      // New data keys are wrapped by the branch key: no KMS call makes them.
      encryptLegacy: ['kms:Decrypt', 'dynamodb:UpdateItem'],
      retireViews: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteTable'],
      rotateBranchKey: ['kms:GenerateDataKey', 'dynamodb:PutItem'],
    };
    for (const tool of OPERATOR_TOOLS) {
      expect(actionsOf(tool), tool).toEqual(expect.arrayContaining(expected[tool]));
    }
  });

  it('denies none of them', () => {
    expect(denials([...verdicts.values()].flat())).toEqual([]);
  });
});
