import { KMSClient } from '@aws-sdk/client-kms';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBCustomerViewAuditSource } from '../../src/adapters/dynamodb/dynamodb-customer-view-audit-source.js';
import { DynamoDBCustomerViewReader } from '../../src/adapters/dynamodb/dynamodb-customer-view-reader.js';
import type { CommandService } from '../../src/app/aggregate-commands.js';
import { type AuditViewSource, auditViews } from '../../src/app/audit.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import {
  CustomerCommandService,
  SNAPSHOT_SCHEMA_VERSION,
} from '../../src/app/customer/customer-commands.js';
import { customerModule } from '../../src/app/customer/module.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { createProjectorHandler } from '../../src/app/projector.js';
import { rebuildViews } from '../../src/app/rebuild.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import type { EventEnvelope } from '../../src/core/event.js';
import type { EventStore, StreamCatalog } from '../../src/core/event-store.js';
import { silentLogger } from '../../src/core/ports.js';
import { type KmsStandIn, startKmsStandIn } from '../../src/local/kms/kms-standin.js';
import { messageBody } from '../support/customer-histories.js';
import { customerStreams } from '../support/customer-stream-types.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';
import { sqsEvent, sqsRecord } from '../support/sqs-messages.js';

/**
 * Streams exactly as the deployment before versioned events left them (the item layout of
 * `DynamoDBEventStore` at commit 5ce9589): schema version 1 everywhere, a free-text
 * suspension reason, claim items per normalised email and a snapshot of the older state.
 * The keys are spelled out here on purpose, so that a change of layout cannot go unseen.
 */
const pk = (id: string) => `CUSTOMER#${id}`;
const eventSk = (version: number) => `EVENT#${String(version).padStart(10, '0')}`;

const v1Event = (
  aggregateId: string,
  version: number,
  eventType: string,
  payload: unknown,
): EventEnvelope => ({
  eventId: `legacy-${aggregateId}-${version}`,
  aggregateType: 'Customer',
  aggregateId,
  eventType,
  payload,
  timestamp: new Date(Date.UTC(2025, 5, 1, 0, 0, version)).toISOString(),
  version,
  metadata: { correlationId: `legacy-${aggregateId}`, schemaVersion: 1 },
});

/** Ada: registered, changed her email, suspended with a free-text reason. */
const ada = [
  v1Event('legacy-ada', 1, 'CustomerRegistered', { email: 'Ada@Old.example', name: 'Ada' }),
  v1Event('legacy-ada', 2, 'CustomerEmailUpdated', {
    oldEmail: 'Ada@Old.example',
    newEmail: 'ada@legacy.example',
  }),
  v1Event('legacy-ada', 3, 'CustomerSuspended', { reason: 'chargeback dispute' }),
];
/** Bob: 60 events, suspended and reactivated in turn, with a snapshot at 50. */
const bob = [
  v1Event('legacy-bob', 1, 'CustomerRegistered', { email: 'bob@legacy.example', name: 'Bob' }),
  ...Array.from({ length: 59 }, (_, i) =>
    i % 2 === 0
      ? v1Event('legacy-bob', i + 2, 'CustomerSuspended', { reason: `review ${i}` })
      : v1Event('legacy-bob', i + 2, 'CustomerReactivated', {}),
  ),
];

/**
 * What the suite runs against: the plain stores, and the service as `npm start` and the
 * stack compose it by default, which encrypts what it writes and decrypts what it reads.
 */
interface Side {
  commands: CommandService;
  /** The event store as the service reads it (decrypted when it encrypts). */
  events: EventStore & StreamCatalog;
  projector: ReturnType<typeof createProjectorHandler>;
  auditViews: AuditViewSource;
  /** True when new personal data is stored encrypted and claims hashed. */
  encrypts: boolean;
  close(): Promise<void>;
}

let tables: TestTables;
let commands: CommandService;
let app: ReturnType<typeof createHttpApp>;
let side: Side;

const plainSide = (): Side => ({
  commands: new CustomerCommandService({ store: tables.events }),
  events: tables.events,
  projector: createProjectorHandler({ streams: customerStreams(tables.events, tables.views) }),
  auditViews: new DynamoDBCustomerViewAuditSource({
    client: tables.documentClient,
    tableName: tables.viewsTableName,
  }),
  encrypts: false,
  close: async () => {},
});

const encryptingSide = async (): Promise<Side> => {
  const kms: KmsStandIn = await startKmsStandIn({ port: 0 });
  const kmsClient = new KMSClient(kms.clientConfig);
  const service = new Service({
    config: readConfig({
      COMMAND_TABLE: tables.eventStoreTableName,
      QUERY_TABLE: tables.viewsTableName,
      KMS_KEY_ID: kms.aliasName,
    }),
    logger: silentLogger,
    clients: { dynamodb: tables.documentClient, kms: kmsClient },
  });
  return {
    commands: service.aggregate(customerModule).commands,
    events: service.eventStore,
    projector: service.projector,
    auditViews: service.auditSources.views,
    encrypts: true,
    close: async () => {
      kmsClient.destroy();
      await kms.stop();
    },
  };
};

/** Who holds a hashed (HMAC) claim: the claims the encrypting side writes. */
const hashedClaimOwners = async () => {
  const { Items = [] } = await tables.documentClient.send(
    new ScanCommand({
      TableName: tables.eventStoreTableName,
      FilterExpression: 'begins_with(PK, :hashed)',
      ExpressionAttributeValues: { ':hashed': 'UNIQUE#email-hmac#' },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => item.owner as string).sort();
};

const put = (Item: Record<string, unknown>) =>
  tables.documentClient.send(new PutCommand({ TableName: tables.eventStoreTableName, Item }));

/** Cy: registered and suspended, with the view the older projector wrote (no reason code). */
const cy = [
  v1Event('legacy-cy', 1, 'CustomerRegistered', { email: 'cy@legacy.example', name: 'Cy' }),
  v1Event('legacy-cy', 2, 'CustomerSuspended', { reason: 'asked to pause' }),
];
const cyView = {
  customerId: 'legacy-cy',
  email: 'cy@legacy.example',
  name: 'Cy',
  status: 'SUSPENDED',
  registrationDate: cy[0]?.timestamp,
  lastUpdated: cy[1]?.timestamp,
  version: 2,
  suspensionReason: 'asked to pause',
  // The index attributes, as the older deployment computed them.
  emailLower: 'cy@legacy.example',
  emailBucket: 'c',
  statusSortKey: `${cy[0]?.timestamp}#legacy-cy`,
};

const writeLegacyData = async () => {
  await tables.documentClient.send(
    new PutCommand({ TableName: tables.viewsTableName, Item: cyView }),
  );
  // Items of that layout carry no stream type.
  for (const { aggregateType: _, ...event } of [...ada, ...bob, ...cy]) {
    await put({
      PK: pk(event.aggregateId),
      SK: eventSk(event.version),
      itemType: 'EVENT',
      ...event,
    });
  }
  for (const [email, owner] of [
    ['ada@legacy.example', 'legacy-ada'],
    ['bob@legacy.example', 'legacy-bob'],
    ['cy@legacy.example', 'legacy-cy'],
  ]) {
    await put({ PK: `UNIQUE#email#${email}`, SK: 'UNIQUE', itemType: 'UNIQUE', owner });
  }
  await put({
    PK: pk('legacy-bob'),
    SK: 'SNAPSHOT',
    itemType: 'SNAPSHOT',
    aggregateId: 'legacy-bob',
    version: 50,
    schemaVersion: 1,
    // The state as the older deployment folded it, through event 50 (a suspension).
    state: {
      status: 'SUSPENDED',
      email: 'bob@legacy.example',
      name: 'Bob',
      suspensionReason: 'review 48',
    },
    takenAt: '2025-06-01T00:01:00.000Z',
  });
  await put({
    PK: 'COMMAND#legacy-key',
    SK: 'COMMAND',
    itemType: 'COMMAND',
    aggregateId: 'legacy-ada',
    version: 1,
    requestHash: 'from-the-older-deployment',
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
};

const call = async (method: string, path: string, body?: unknown) => {
  const response = await app.request(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const claimOwner = async (email: string) => {
  const { Item } = await tables.documentClient.send(
    new GetCommand({
      TableName: tables.eventStoreTableName,
      Key: { PK: `UNIQUE#email#${email}`, SK: 'UNIQUE' },
      ConsistentRead: true,
    }),
  );
  return Item?.owner as string | undefined;
};

const project = async (events: EventEnvelope[]) => {
  // As the older publisher put them on the bus: schema version 1.
  const response = await side.projector(sqsEvent(events.map((e) => sqsRecord(messageBody(e)))));
  expect(response.batchItemFailures).toEqual([]);
};

describe.each([
  { name: 'read through the plain stores', start: async () => plainSide() },
  { name: 'read through the service as composed by default (encrypting)', start: encryptingSide },
])('data stored by the previous deployment, without a migration, $name', ({ start }) => {
  beforeAll(async () => {
    tables = await createTestTables();
    await writeLegacyData();
    side = await start();
    commands = side.commands;
    app = createHttpApp({ commands: [createCommandRoutes(commands)] });
  });
  afterAll(async () => {
    await commands.drain();
    await side.close();
    await tables.dispose();
  });

  it('answers the history in the latest shape, leaving the items as they were', async () => {
    const { status, body } = await call('GET', '/customers/legacy-ada/events');
    expect(status).toBe(200);
    const events = body.events as EventEnvelope[];
    expect(events.map((e) => [e.eventType, e.metadata.schemaVersion])).toEqual([
      ['CustomerRegistered', 2],
      ['CustomerEmailUpdated', 2],
      ['CustomerSuspended', 3],
    ]);
    expect(events[2]?.payload).toEqual({ reasonCode: 'OTHER', note: 'chargeback dispute' });
    const { Item } = await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: pk('legacy-ada'), SK: eventSk(3) },
      }),
    );
    expect(Item).toMatchObject({
      payload: { reason: 'chargeback dispute' },
      metadata: { schemaVersion: 1 },
    });
  });

  it('projects the older events into views with a reason code', async () => {
    await project([ada.at(-1), bob.at(-1)].filter((e) => e !== undefined));
    expect(await tables.views.get('legacy-ada')).toEqual({
      customerId: 'legacy-ada',
      email: 'ada@legacy.example',
      name: 'Ada',
      status: 'SUSPENDED',
      suspensionReasonCode: 'OTHER',
      suspensionReason: 'chargeback dispute',
      registrationDate: ada[0]?.timestamp,
      lastUpdated: ada[2]?.timestamp,
      version: 3,
    });
    expect(await tables.views.get('legacy-bob')).toMatchObject({
      status: 'SUSPENDED',
      suspensionReasonCode: 'OTHER',
      suspensionReason: 'review 58',
      version: 60,
    });
  });

  it('takes commands: decides on the upcast state, honours the old claims, writes the latest versions', async () => {
    // Suspended in v1, so a second suspension is refused and a reactivation accepted.
    expect(
      (await call('POST', '/customers/legacy-ada/suspend', { reasonCode: 'FRAUD' })).status,
    ).toBe(422);
    expect((await call('POST', '/customers/legacy-ada/reactivate')).body).toEqual({
      customerId: 'legacy-ada',
      version: 4,
    });
    // The claim item of the older layout still holds Bob's address.
    const taken = await call('POST', '/customers', { email: 'BOB@legacy.example', name: 'Eve' });
    expect(taken.status).toBe(409);
    // Moving Ada's email releases her old claim item and writes a new one.
    await call('PUT', '/customers/legacy-ada/email', { email: 'ada@new.example' });
    expect(await claimOwner('ada@legacy.example')).toBeUndefined();
    if (side.encrypts) {
      // The new claim is keyed by the address's HMAC, never by the address itself.
      expect(await claimOwner('ada@new.example')).toBeUndefined();
      expect(await hashedClaimOwners()).toEqual(['legacy-ada']);
    } else {
      expect(await claimOwner('ada@new.example')).toBe('legacy-ada');
    }
    const suspended = await call('POST', '/customers/legacy-ada/suspend', {
      reasonCode: 'CUSTOMER_REQUEST',
      note: 'asked by email',
    });
    expect(suspended.body).toEqual({ customerId: 'legacy-ada', version: 6 });
    const written = await side.events.readStream('legacy-ada', { fromVersion: 4 });
    expect(written.map((e) => [e.eventType, e.metadata.schemaVersion, e.payload])).toEqual([
      ['CustomerReactivated', 1, {}],
      ['CustomerEmailUpdated', 2, { oldEmail: 'ada@legacy.example', newEmail: 'ada@new.example' }],
      ['CustomerSuspended', 3, { reasonCode: 'CUSTOMER_REQUEST', note: 'asked by email' }],
    ]);
    const { Items: stored = [] } = await tables.documentClient.send(
      new QueryCommand({
        TableName: tables.eventStoreTableName,
        KeyConditionExpression: 'PK = :pk AND SK >= :from',
        ExpressionAttributeValues: { ':pk': pk('legacy-ada'), ':from': eventSk(4) },
      }),
    );
    expect(stored).toHaveLength(3);
    // Only the events written now are encrypted; the older ones stay as they were.
    expect(JSON.stringify(stored).includes('ada@new.example')).toBe(!side.encrypts);
    expect(JSON.stringify(stored).includes('asked by email')).toBe(!side.encrypts);
    await project(written);
    expect(await tables.views.get('legacy-ada')).toMatchObject({
      email: 'ada@new.example',
      status: 'SUSPENDED',
      suspensionReasonCode: 'CUSTOMER_REQUEST',
      suspensionReason: 'asked by email',
      version: 6,
    });
  });

  it('ignores the snapshot of the older state shape and takes a new one', async () => {
    expect((await call('POST', '/customers/legacy-bob/reactivate')).body).toEqual({
      customerId: 'legacy-bob',
      version: 61,
    });
    await commands.drain();
    const { Items } = await tables.documentClient.send(
      new QueryCommand({
        TableName: tables.eventStoreTableName,
        KeyConditionExpression: 'PK = :pk AND SK = :sk',
        ExpressionAttributeValues: { ':pk': pk('legacy-bob'), ':sk': 'SNAPSHOT' },
        ConsistentRead: true,
      }),
    );
    expect(Items?.[0]).toMatchObject({ version: 61, schemaVersion: SNAPSHOT_SCHEMA_VERSION });
    if (side.encrypts) {
      expect(JSON.stringify(Items?.[0]).includes('bob@legacy.example')).toBe(false);
    } else {
      expect(Items?.[0]?.state).toMatchObject({
        status: 'ACTIVE',
        email: 'bob@legacy.example',
        name: 'Bob',
      });
    }
    // Loaded again from the new snapshot, the state is Bob's.
    const loaded = await side.events.load('legacy-bob', {
      snapshotSchemaVersion: SNAPSHOT_SCHEMA_VERSION,
    });
    expect(loaded.snapshot?.state).toMatchObject({
      status: 'ACTIVE',
      email: 'bob@legacy.example',
      name: 'Bob',
    });
    await project(await side.events.readStream('legacy-bob', { fromVersion: 61 }));
  });

  it('answers a view the older projector wrote, and audits it clean, without rewriting it', async () => {
    const reader = new DynamoDBCustomerViewReader({
      client: tables.documentClient,
      tableName: tables.viewsTableName,
    });
    expect(await reader.get('legacy-cy')).toMatchObject({
      status: 'SUSPENDED',
      suspensionReasonCode: 'OTHER',
      suspensionReason: 'asked to pause',
      version: 2,
    });
    const audit = await auditViews({
      catalog: side.events,
      streams: customerStreams(side.events, tables.views, { audit: side.auditViews }),
    });
    expect(audit.examples.filter((e) => e.aggregateId === 'legacy-cy')).toEqual([]);
    // A rebuild leaves it as it is: its version is current.
    await rebuildViews({
      catalog: side.events,
      streams: customerStreams(side.events, tables.views),
    });
    const { Item } = await tables.documentClient.send(
      new GetCommand({ TableName: tables.viewsTableName, Key: { customerId: 'legacy-cy' } }),
    );
    expect(Item).toEqual(cyView);
  });

  it('rebuilds the same views from scratch and audits clean', async () => {
    const before = {
      ada: await tables.views.get('legacy-ada'),
      bob: await tables.views.get('legacy-bob'),
    };
    for (const customerId of ['legacy-ada', 'legacy-bob']) {
      await tables.documentClient.send(
        new DeleteCommand({ TableName: tables.viewsTableName, Key: { customerId } }),
      );
    }
    const report = await rebuildViews({
      catalog: side.events,
      streams: customerStreams(side.events, tables.views),
    });
    expect(report).toMatchObject({ discovered: 3, processed: 3, updated: 2, failed: 0 });
    expect(await tables.views.get('legacy-ada')).toEqual(before.ada);
    expect(await tables.views.get('legacy-bob')).toEqual(before.bob);
    expect(before.bob).toMatchObject({ status: 'ACTIVE', version: 61 });

    const audit = await auditViews({
      catalog: side.events,
      streams: customerStreams(side.events, tables.views, { audit: side.auditViews }),
    });
    expect(audit).toMatchObject({ streams: 3, views: 3, clean: true });
    expect(audit.counts.ok).toBe(3);
  });
});
