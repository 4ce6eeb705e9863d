import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { type DeadLetter, SqsDeadLetterQueue } from '../../src/adapters/sqs/dead-letter-queue.js';
import { auditViews } from '../../src/app/audit.js';
import { customerModule } from '../../src/app/customer/module.js';
import { diagnose } from '../../src/app/dead-letter-diagnosis.js';
import { rebuildViews } from '../../src/app/rebuild.js';
import { viewTableName } from '../../src/composition/aggregate-module.js';
import type { EventEnvelope } from '../../src/core/event.js';
import { type RunningHttpServer, serveHttp } from '../../src/local/http-server.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { replayFromStore } from '../../src/ops/archive-replay.js';
import { localClientConfig } from '../support/dynamodb.js';
import { requestJson } from '../support/json-requests.js';
import { loyaltyEnvelope } from '../support/loyalty/envelopes.js';
import { loyaltyModule } from '../support/loyalty/module.js';
import { loyaltyViewTable } from '../support/loyalty/view-table.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';

/**
 * The proof that an aggregate is a module: a loyalty account, registered beside the
 * Customer and nowhere else, goes through the whole local pipeline (HTTP → store → stream
 * → publisher → bus → queue → projector → view), and the reconciler, rebuild, audit, a
 * replay and the dead-letter diagnosis handle its streams beside the Customers', in one run.
 */
const aggregates = [customerModule, loyaltyModule];
const config = configWithOwnTables(aggregates);
const dynamodb = localClientConfig(inject('dynamoEndpoint'));
const documentClient = createDocumentClient(dynamodb);
const LOYALTY = loyaltyModule.type;
const tag = randomUUID().slice(0, 8);
const accounts = { grace: `grace-${tag}`, alan: `alan-${tag}`, legacy: `legacy-${tag}` };

let runtime: LocalRuntime;
let server: RunningHttpServer;
let sqs: SQSClient;
let bus: EventBridgeClient;
let tapQueueUrl: string;
let customerId: string;
/** Every notification body the projector was handed, as it came off the queue. */
const received: Array<{ detail: Record<string, unknown> }> = [];
/** Notifications the projector acknowledges without projecting (`stream@version`): lost. */
const lose = new Set<string>();

const call = (method: string, path: string, body?: unknown) =>
  requestJson(`${server.url}${path}`, method, body);
const loyaltyTable = () => viewTableName(runtime.config, loyaltyViewTable.id);
const itemOf = async (TableName: string, Key: Record<string, string>) =>
  (await documentClient.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item;
const accountView = (accountId: string) => itemOf(loyaltyTable(), { accountId });
const customerView = (id: string) => itemOf(runtime.config.QUERY_TABLE, { customerId: id });
const loyalty = () => runtime.service.aggregate(loyaltyModule);
/** As the schedule would start a run, once the events are past the settle time. */
const later = { now: () => new Date(Date.now() + 2 * 60_000) };

/** Every bus event the tap rule copied so far. */
const tapped = async (): Promise<Array<Record<string, unknown>>> => {
  const all: Array<Record<string, unknown>> = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: tapQueueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages.map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>));
  }
};

const deadLettersOf = async (dlq: SqsDeadLetterQueue, aggregateId: string) => {
  for (let attempt = 0; attempt < 120; attempt++) {
    const letters = await dlq.list();
    const found = letters.filter((l) => l.aggregateId === aggregateId);
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no dead letter of ${aggregateId} arrived`);
};

beforeAll(async () => {
  runtime = await startLocalRuntime({
    config,
    dynamodb,
    aggregates,
    maxReceiveCount: 2,
    visibilityTimeoutSeconds: 1,
    handlers: {
      projector: async (event: SQSEvent) => {
        const kept = event.Records.filter((record) => {
          const body = JSON.parse(record.body) as { detail: Record<string, unknown> };
          received.push(body);
          return !lose.has(`${body.detail.aggregateId}@${body.detail.version}`);
        });
        return runtime.service.projector({ Records: kept });
      },
    },
  });
  server = await serveHttp(runtime.service.httpApp({ commands: true, queries: true }), {
    port: 0,
  });
  sqs = new SQSClient(runtime.sqs.clientConfig);
  bus = new EventBridgeClient(runtime.eventBridge.clientConfig);
  // A second rule on the bus copies every event of the service to a queue of the test's own.
  ({ QueueUrl: tapQueueUrl = '' } = await sqs.send(
    new CreateQueueCommand({ QueueName: `bus-tap-${tag}` }),
  ));
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: tapQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await bus.send(
    new PutRuleCommand({
      Name: `bus-tap-${tag}`,
      EventBusName: config.EVENT_BUS_NAME,
      EventPattern: JSON.stringify({ source: [config.EVENT_SOURCE_NAME] }),
    }),
  );
  await bus.send(
    new PutTargetsCommand({
      Rule: `bus-tap-${tag}`,
      EventBusName: config.EVENT_BUS_NAME,
      Targets: [{ Id: 'tap', Arn: Attributes.QueueArn }],
    }),
  );
});

afterAll(async () => {
  await server?.close();
  await runtime?.stop();
  sqs?.destroy();
  bus?.destroy();
  documentClient.destroy();
  await dropTables(config);
});

describe('a second aggregate, registered as a module beside the Customer', () => {
  it('takes HTTP commands for both types, refusing a redemption beyond the balance', async () => {
    const registered = await call('POST', '/customers', {
      email: `ada.${tag}@example.com`,
      name: 'Ada',
    });
    expect(registered.status).toBe(201);
    customerId = String(registered.body.customerId);

    const opened = await call('POST', '/loyalty-accounts', {
      accountId: accounts.grace,
      ownerName: 'Grace Hopper',
    });
    expect(opened).toMatchObject({ status: 201, body: { accountId: accounts.grace, version: 1 } });
    // The projector reads a stream to its end: version 1 is projected before 2 exists.
    await runtime.waitUntilIdle();
    const earn = { points: 120, reason: 'PURCHASE' };
    expect((await call('POST', `/loyalty-accounts/${accounts.grace}/earn`, earn)).body).toEqual({
      accountId: accounts.grace,
      version: 2,
    });
    const redeem = await call('POST', `/loyalty-accounts/${accounts.grace}/redeem`, {
      points: 50,
    });
    expect(redeem.body).toEqual({ accountId: accounts.grace, version: 3 });
    const tooMuch = await call('POST', `/loyalty-accounts/${accounts.grace}/redeem`, {
      points: 71,
    });
    expect(tooMuch).toMatchObject({
      status: 422,
      body: { error: { code: 'POINTS_INSUFFICIENT' } },
    });
    const noPoints = await call('POST', `/loyalty-accounts/${accounts.grace}/earn`, {
      points: 0,
      reason: 'PURCHASE',
    });
    expect(noPoints).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await call('POST', '/loyalty-accounts/nobody/redeem', { points: 1 })).toMatchObject({
      status: 404,
      body: { error: { code: 'LOYALTY_ACCOUNT_NOT_FOUND' } },
    });
    // Refused commands write nothing: the account holds its three events, no stream was begun.
    expect((await loyalty().events.readStream(accounts.grace)).map((e) => e.version)).toEqual([
      1, 2, 3,
    ]);
    expect(await loyalty().events.readStream('nobody')).toEqual([]);

    await call('POST', '/loyalty-accounts', { accountId: accounts.alan, ownerName: 'Alan' });

    // A stream written by an earlier deployment: `PointsEarned` v1, without a reason.
    await loyalty().events.append(
      accounts.legacy,
      [loyaltyEnvelope(accounts.legacy, 1, 'LoyaltyAccountOpened', { ownerName: 'Ida' })],
      { expectedVersion: 0 },
    );
    await runtime.waitUntilIdle();
    await loyalty().events.append(
      accounts.legacy,
      [loyaltyEnvelope(accounts.legacy, 2, 'PointsEarned', { points: 30 })],
      {
        expectedVersion: 1,
      },
    );
    await runtime.waitUntilIdle();
  });

  it('projects both types into their own read models, served by their own routes', async () => {
    expect((await call('GET', `/loyalty-accounts/${accounts.grace}`)).body).toEqual({
      accountId: accounts.grace,
      ownerName: 'Grace Hopper',
      points: 70,
      status: 'OPEN',
      version: 3,
      lastUpdated: expect.any(String),
    });
    expect(await accountView(accounts.legacy)).toMatchObject({ points: 30, version: 2 });
    expect((await call('GET', `/customers/${customerId}`)).body).toMatchObject({
      customerId,
      name: 'Ada',
      status: 'ACTIVE',
      version: 1,
    });
    // Each view lives in its own table only.
    expect(await customerView(accounts.grace)).toBeUndefined();
    expect(await accountView(customerId)).toBeUndefined();
  });

  it('stores the holder’s name encrypted and carries the stream type on the bus and the queue', async () => {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: config.COMMAND_TABLE,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `LOYALTY#${accounts.grace}` },
      }),
    );
    expect(Items.length).toBe(3);
    expect(JSON.stringify(Items)).not.toContain('Grace Hopper');

    const onBus = await tapped();
    const loyaltyOnBus = onBus.filter(
      (e) => (e.detail as { aggregateId?: string }).aggregateId === accounts.grace,
    );
    expect(
      loyaltyOnBus.map((e) => [e['detail-type'], (e.detail as EventEnvelope).aggregateType]),
    ).toEqual([
      ['LoyaltyAccountOpened', LOYALTY],
      ['PointsEarned', LOYALTY],
      ['PointsRedeemed', LOYALTY],
    ]);
    // Ciphertext on the bus too: only the event store's readers decrypt.
    expect(JSON.stringify(loyaltyOnBus)).not.toContain('Grace Hopper');
    const customerOnBus = onBus.find(
      (e) => (e.detail as { aggregateId?: string }).aggregateId === customerId,
    );
    expect(customerOnBus?.detail).toMatchObject({ aggregateType: 'Customer', version: 1 });
    // The stored v1 event went out lifted by its own type's upcaster.
    const legacyEarned = onBus.find(
      (e) =>
        (e.detail as EventEnvelope).aggregateId === accounts.legacy &&
        e['detail-type'] === 'PointsEarned',
    );
    expect(legacyEarned?.detail).toMatchObject({
      payload: { points: 30, reason: 'UNSPECIFIED' },
      metadata: { schemaVersion: 2 },
    });

    const queued = received.filter((m) => m.detail.aggregateId === accounts.grace);
    expect(new Set(queued.map((m) => m.detail.aggregateType))).toEqual(new Set([LOYALTY]));
    expect(new Set(queued.map((m) => m.detail.version))).toEqual(new Set([1, 2, 3]));
  });

  it('reconciles a lost loyalty view beside the Customer views', async () => {
    const before = await accountView(accounts.grace);
    await documentClient.send(
      new DeleteCommand({ TableName: loyaltyTable(), Key: { accountId: accounts.grace } }),
    );
    const report = await runtime.service.reconcile({ clock: later });
    expect(report.failed).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.healed).toBe(1);
    expect(await accountView(accounts.grace)).toEqual(before);
  });

  it('rebuilds the views of both types', async () => {
    const [account, customer] = [await accountView(accounts.alan), await customerView(customerId)];
    await documentClient.send(
      new DeleteCommand({ TableName: loyaltyTable(), Key: { accountId: accounts.alan } }),
    );
    await documentClient.send(
      new DeleteCommand({ TableName: config.QUERY_TABLE, Key: { customerId } }),
    );
    const report = await rebuildViews({ ...runtime.service.rebuildSources });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ failed: 0, updated: 2 });
    expect(await accountView(accounts.alan)).toEqual(account);
    expect(await customerView(customerId)).toEqual(customer);
  });

  it('audits every stream of both types against its own read model', async () => {
    const report = await auditViews({ ...runtime.service.auditSources, findOrphans: true });
    expect(report.examples).toEqual([]);
    expect(report.clean).toBe(true);
    const byName = Object.fromEntries(report.readModels.map((r) => [r.name, r]));
    expect(byName['loyalty-account-views']).toMatchObject({
      aggregateType: LOYALTY,
      counts: { ok: 3 },
    });
    expect(byName['customer-views']).toMatchObject({
      aggregateType: 'Customer',
      counts: { ok: 1 },
    });
  });

  it('replays a lost loyalty event from the store through the bus to its view', async () => {
    const from = new Date(Date.now() - 1000);
    lose.add(`${accounts.alan}@2`);
    await call('POST', `/loyalty-accounts/${accounts.alan}/earn`, {
      points: 5,
      reason: 'PROMOTION',
    });
    await runtime.waitUntilIdle();
    expect(await accountView(accounts.alan)).toMatchObject({ version: 1, points: 0 });
    lose.clear();

    const report = await replayFromStore({
      changes: runtime.service.streamChanges,
      streamTypes: runtime.service.streamTypes,
      publish: runtime.service.envelopePublisher,
      range: { from, to: new Date(Date.now() + 1000) },
    });
    expect(report.unregistered).toEqual([]);
    expect(report.unpublished).toEqual([]);
    expect(report.published).toBeGreaterThanOrEqual(1);
    await runtime.waitUntilIdle();
    expect(await accountView(accounts.alan)).toMatchObject({ version: 2, points: 5 });
  });

  it('closes an account: its view forgets the holder, its history reads as the loyalty type', async () => {
    const closed = await call('DELETE', `/loyalty-accounts/${accounts.grace}`);
    expect(closed).toMatchObject({ status: 200, body: { version: 4 } });
    await runtime.waitUntilIdle();
    const view = await accountView(accounts.grace);
    expect(view).toMatchObject({ status: 'CLOSED', points: 0, version: 4 });
    expect(view).not.toHaveProperty('ownerName');
    const history = await call('GET', `/loyalty-accounts/${accounts.grace}/events`);
    const events = history.body.events as EventEnvelope[];
    expect(events.map((e) => [e.aggregateType, e.eventType])).toEqual([
      [LOYALTY, 'LoyaltyAccountOpened'],
      [LOYALTY, 'PointsEarned'],
      [LOYALTY, 'PointsRedeemed'],
      [LOYALTY, 'LoyaltyAccountClosed'],
    ]);
    expect(JSON.stringify(events)).not.toContain('Grace Hopper');
    const afterClosing = await call('POST', `/loyalty-accounts/${accounts.grace}/earn`, {
      points: 1,
      reason: 'PURCHASE',
    });
    expect(afterClosing).toMatchObject({
      status: 410,
      body: { error: { code: 'LOYALTY_ACCOUNT_CLOSED' } },
    });
  });

  it('dead-letters a poisoned loyalty event, and the diagnosis names its type and read model', async () => {
    const poisoned = `poison-${tag}`;
    await call('POST', '/loyalty-accounts', { accountId: poisoned, ownerName: 'Poe' });
    await runtime.waitUntilIdle();
    // An event its projection cannot fold: points that are not a number.
    await loyalty().events.append(
      poisoned,
      [loyaltyEnvelope(poisoned, 2, 'PointsRedeemed', { points: 'all of them' })],
      { expectedVersion: 1 },
    );
    const dlq = new SqsDeadLetterQueue({
      client: sqs,
      queueUrl: runtime.sqs.dlqUrl,
      holdSeconds: 1,
    });
    const letters: DeadLetter[] = await deadLettersOf(dlq, poisoned);
    expect(letters[0]).toMatchObject({ aggregateType: LOYALTY, version: 2 });

    const diagnosis = await diagnose(letters[0] as DeadLetter, runtime.service.streamTypes);
    expect(diagnosis).toMatchObject({
      aggregateType: LOYALTY,
      projection: 'loyalty-account-views',
      streamVersion: 2,
    });
    expect(diagnosis.error).toContain('malformed');
    // The others were not held up.
    expect(await accountView(accounts.alan)).toMatchObject({ version: 2 });
  });
});
