import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptLegacyStreams } from '../../src/adapters/crypto/legacy-encryption.js';
import { createTableIfMissing } from '../../src/adapters/dynamodb/create-tables.js';
import { eventStoreTable } from '../../src/adapters/dynamodb/table-definitions.js';
import { toDeadLetter } from '../../src/adapters/sqs/dead-letter-queue.js';
import { auditViews } from '../../src/app/audit.js';
import { customerModule } from '../../src/app/customer/module.js';
import { diagnose } from '../../src/app/dead-letter-diagnosis.js';
import { rebuildViews } from '../../src/app/rebuild.js';
import { declaredViewTables } from '../../src/composition/declared-view-tables.js';
import { Service } from '../../src/composition/service.js';
import type { EventEnvelope } from '../../src/core/event.js';
import { silentLogger } from '../../src/core/ports.js';
import { type KmsStandIn, startKmsStandIn } from '../../src/local/kms/kms-standin.js';
import { replayFromStore } from '../../src/ops/archive-replay.js';
import { legacyStreamTypes } from '../../src/ops/encrypt-legacy-cli.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';
import { legacyEventItem } from '../support/legacy-events.js';
import { loyaltyEnvelope } from '../support/loyalty/envelopes.js';
import { loyaltyModule } from '../support/loyalty/module.js';
import { configWithOwnTables } from '../support/runtime-tables.js';
import { sqsEvent, sqsRecord } from '../support/sqs-messages.js';

/**
 * Every consumer, driven with a registry of two aggregates, handles the streams of both:
 * each step counts the streams it touched per type and must have touched every stream of
 * every registered type. A consumer that routes only Customer streams (as the publisher's
 * upcasting and the reconciler once did) fails here, naming itself and the type it skipped.
 */
const aggregates = [customerModule, loyaltyModule];
const tag = randomUUID().slice(0, 8);
const CUSTOMER = customerModule.type;
const LOYALTY = loyaltyModule.type;
/**
 * The streams written, by type: what every consumer must reach. Ids are unique within a
 * type only: Ada has a loyalty account under her customer id.
 */
const written: Record<string, string[]> = {
  [CUSTOMER]: [`ada-${tag}`, `bob-${tag}`],
  [LOYALTY]: [`ada-${tag}`, `alan-${tag}`, `ida-${tag}`],
};

type Touched = Map<string, Set<string>>;
const touch = (touched: Touched, type: string | undefined, id: string | undefined) => {
  const key = type ?? '(none)';
  const ids = touched.get(key) ?? new Set<string>();
  if (id !== undefined) ids.add(id);
  touched.set(key, ids);
};

let tables: TestTables;
let kms: KmsStandIn;
let kmsClient: KMSClient;
let service: Service;
/** What the publisher put on the bus, entry by entry. */
const onBus: Array<{ detailType: string; detail: EventEnvelope }> = [];

/** Each registered type's streams among those touched: every one, or the step skipped some. */
const expectEveryType = (consumer: string, touched: Touched) => {
  expect(service.streamTypes.types).toEqual([CUSTOMER, LOYALTY]);
  for (const type of service.streamTypes.types) {
    expect([...(touched.get(type) ?? [])].sort(), `${consumer}: streams of ${type}`).toEqual(
      [...(written[type] ?? [])].sort(),
    );
  }
  expect([...touched.keys()].sort(), `${consumer}: types`).toEqual([CUSTOMER, LOYALTY].sort());
};

const viewTables = () =>
  declaredViewTables(service.config, aggregates).map(({ name, definition }) => ({
    name,
    key: definition.partitionKey.name,
  }));
/** The views present, by the type whose read model holds them. */
const viewsPresent = async (): Promise<Touched> => {
  const touched: Touched = new Map();
  for (const [i, { name, key }] of viewTables().entries()) {
    const { Items = [] } = await tables.documentClient.send(
      new ScanCommand({ TableName: name, ConsistentRead: true }),
    );
    for (const item of Items) touch(touched, aggregates[i]?.type, String(item[key]));
  }
  return touched;
};
const dropAllViews = async () => {
  for (const { name, key } of viewTables()) {
    const { Items = [] } = await tables.documentClient.send(new ScanCommand({ TableName: name }));
    for (const item of Items) {
      await tables.documentClient.send(
        new DeleteCommand({ TableName: name, Key: { [key]: item[key] } }),
      );
    }
  }
};
/** The stored event items of the table, as its stream would carry them. */
const eventItems = async () => {
  const { Items = [] } = await tables.documentClient.send(
    new ScanCommand({ TableName: tables.eventStoreTableName, ConsistentRead: true }),
  );
  return Items.filter((item) => item.itemType === 'EVENT').sort((a, b) =>
    `${a.PK}${a.SK}`.localeCompare(`${b.PK}${b.SK}`),
  );
};
/** A bus entry as the projection queue receives it from the rule. */
const queueBody = ({ detailType, detail }: (typeof onBus)[number]) =>
  JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: service.config.EVENT_SOURCE_NAME,
    account: '000000000000',
    time: detail.timestamp,
    region: 'us-east-1',
    resources: [],
    detail,
  });

beforeAll(async () => {
  tables = await createTestTables();
  kms = await startKmsStandIn();
  kmsClient = new KMSClient(kms.clientConfig);
  const config = {
    ...configWithOwnTables(aggregates),
    COMMAND_TABLE: tables.eventStoreTableName,
    QUERY_TABLE: tables.viewsTableName,
    KMS_KEY_ID: kms.aliasName,
  };
  await createTableIfMissing(tables.client, config.COMMAND_TABLE, eventStoreTable);
  for (const table of declaredViewTables(config, aggregates)) {
    await createTableIfMissing(tables.client, table.name, table.definition);
  }
  const eventBridge = {
    send: async (command: PutEventsCommand): Promise<PutEventsCommandOutput> => {
      const entries = command.input.Entries ?? [];
      for (const entry of entries) {
        onBus.push({
          detailType: entry.DetailType ?? '',
          detail: JSON.parse(entry.Detail ?? '{}') as EventEnvelope,
        });
      }
      return {
        FailedEntryCount: 0,
        Entries: entries.map(() => ({ EventId: randomUUID() })),
        $metadata: {},
      };
    },
  };
  service = new Service({
    config,
    clients: { dynamodb: tables.documentClient, eventBridge, kms: kmsClient },
    logger: silentLogger,
    aggregates,
  });

  const meta = (n: string) => ({ correlationId: `${n}-${tag}` });
  const customers = service.aggregate(customerModule).commands;
  for (const id of written[CUSTOMER] ?? []) {
    await customers.execute(
      { type: 'RegisterCustomer', data: { customerId: id, email: `${id}@example.com`, name: id } },
      meta(id),
    );
  }
  const loyalty = service.aggregate(loyaltyModule);
  const [ada, alan, ida] = written[LOYALTY] ?? [];
  for (const id of [ada, alan]) {
    await loyalty.commands.execute(
      { type: 'OpenLoyaltyAccount', data: { accountId: id, ownerName: `Holder ${id}` } },
      meta(String(id)),
    );
  }
  await loyalty.commands.execute(
    { type: 'EarnPoints', data: { accountId: ada, points: 40, reason: 'PURCHASE' } },
    meta('earn'),
  );
  // An account whose `PointsEarned` was stored at version 1 (no reason).
  await loyalty.events.append(
    String(ida),
    [
      loyaltyEnvelope(String(ida), 1, 'LoyaltyAccountOpened', { ownerName: 'Ida' }),
      loyaltyEnvelope(String(ida), 2, 'PointsEarned', { points: 9 }),
    ],
    { expectedVersion: 0 },
  );
});

afterAll(async () => {
  kmsClient?.destroy();
  await kms?.stop();
  for (const table of service ? declaredViewTables(service.config, aggregates) : []) {
    await tables.client.send(new DeleteTableCommand({ TableName: table.name })).catch(() => {});
  }
  await tables?.dispose();
});

describe('no registered type is skipped by any consumer', () => {
  it('the publisher puts every stream of every type on the bus, each upcast by its own type', async () => {
    const records: DynamoDBRecord[] = (await eventItems()).map((item, i) => ({
      eventName: 'INSERT',
      dynamodb: {
        SequenceNumber: String(1000 + i),
        // The SDK's and aws-lambda's AttributeValue types describe the same JSON.
        NewImage: marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>,
      },
    }));
    const response = await service.publisher({ Records: records });
    expect(response.batchItemFailures).toEqual([]);
    const touched: Touched = new Map();
    for (const { detail } of onBus) touch(touched, detail.aggregateType, detail.aggregateId);
    expectEveryType('publisher', touched);
    const ida = onBus.find(
      (e) => e.detail.aggregateId === written[LOYALTY]?.[2] && e.detailType === 'PointsEarned',
    );
    expect(ida?.detail).toMatchObject({
      payload: { points: 9, reason: 'UNSPECIFIED' },
      metadata: { schemaVersion: 2 },
    });
  });

  it('the projector projects every stream of every type into its read model', async () => {
    const response = await service.projector(sqsEvent(onBus.map((e) => sqsRecord(queueBody(e)))));
    expect(response.batchItemFailures).toEqual([]);
    expectEveryType('projector', await viewsPresent());
  });

  it('the reconciler heals the views of every type', async () => {
    await dropAllViews();
    const report = await service.reconcile({
      clock: { now: () => new Date(Date.now() + 2 * 60_000) },
    });
    expect(report.failures).toEqual([]);
    expect(report.healed).toBe(5);
    expectEveryType('reconciler', await viewsPresent());
  });

  it('a rebuild folds every stream of every type', async () => {
    await dropAllViews();
    const report = await rebuildViews({ ...service.rebuildSources });
    expect(report.failures).toEqual([]);
    expect(report.updated).toBe(5);
    expectEveryType('rebuild', await viewsPresent());
  });

  it('the audit compares every stream of every type with its read model', async () => {
    const report = await auditViews({ ...service.auditSources, findOrphans: true });
    expect(report.examples).toEqual([]);
    const touched: Touched = new Map();
    for (const readModel of report.readModels) {
      // An `ok` per stream: the audit read it and its view and found them equal.
      const type = readModel.aggregateType;
      for (const id of written[type]?.slice(0, readModel.counts.ok) ?? []) touch(touched, type, id);
      expect(readModel.counts.ok, `audit: ${readModel.name}`).toBe(written[type]?.length);
    }
    expect(report.counts.unregistered).toBe(0);
    expectEveryType('audit', touched);
  });

  it('a replay republishes the events of every type', async () => {
    const touched: Touched = new Map();
    const report = await replayFromStore({
      changes: service.streamChanges,
      streamTypes: service.streamTypes,
      publish: async (envelopes) => {
        for (const e of envelopes) touch(touched, e.aggregateType, e.aggregateId);
        return [];
      },
      range: { from: new Date(Date.now() - 60 * 60_000), to: new Date(Date.now() + 60_000) },
    });
    expect(report.unregistered).toEqual([]);
    expectEveryType('replay', touched);
  });

  it('the dead-letter diagnosis reads every type’s stream from its own store', async () => {
    const touched: Touched = new Map();
    for (const entry of onBus) {
      const letter = toDeadLetter({ MessageId: randomUUID(), Body: queueBody(entry) });
      const diagnosis = await diagnose(letter, service.streamTypes);
      expect(diagnosis.error, `${entry.detail.aggregateId}`).toBeUndefined();
      expect(diagnosis.streamVersion).toBeGreaterThanOrEqual(entry.detail.version);
      touch(touched, diagnosis.aggregateType, letter.aggregateId);
    }
    expectEveryType('DLQ diagnosis', touched);
  });

  it('encrypt-legacy encrypts the plaintext streams of every type that declares personal data', async () => {
    // As written before encryption: a Customer in the first layout (no type), an account.
    const [customer, account] = [`plain-c-${tag}`, `plain-l-${tag}`];
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.eventStoreTableName,
        Item: legacyEventItem(customer, 1, 'CustomerRegistered', {
          email: `${customer}@example.com`,
          name: 'Plain Ada',
        }),
      }),
    );
    await service
      .aggregate(loyaltyModule)
      .storedEvents.append(
        account,
        [loyaltyEnvelope(account, 1, 'LoyaltyAccountOpened', { ownerName: 'Plain Grace' })],
        { expectedVersion: 0 },
      );
    const crypto = service.crypto;
    if (!crypto) throw new Error('the service runs with encryption');
    const report = await encryptLegacyStreams({
      catalog: service.storedEvents,
      types: legacyStreamTypes(service),
      keys: crypto.keys,
      claims: crypto.claims,
    });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ unregistered: 0, encrypted: 2 });
    const text = JSON.stringify(await eventItems());
    expect(text).not.toContain('Plain Ada');
    expect(text).not.toContain('Plain Grace');
  });
});
