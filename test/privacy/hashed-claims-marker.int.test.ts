import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableIfMissing } from '../../src/adapters/dynamodb/create-tables.js';
import {
  HASHED_CLAIMS_ONLY_KEY,
  hashedClaimsOnlyMarker,
  markIfEmpty,
} from '../../src/adapters/dynamodb/hashed-claims-marker.js';
import { eventStoreTable } from '../../src/adapters/dynamodb/table-definitions.js';
import { customerModule } from '../../src/app/customer/module.js';
import { Service } from '../../src/composition/service.js';
import { type Config, readConfig } from '../../src/config.js';
import { UniquenessError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/ports.js';
import { type KmsStandIn, startKmsStandIn } from '../../src/local/kms/kms-standin.js';
import { runEncryptLegacyCli } from '../../src/ops/encrypt-legacy-cli.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

let tables: TestTables;
let kms: KmsStandIn;
let kmsClient: KMSClient;

beforeAll(async () => {
  tables = await createTestTables();
  kms = await startKmsStandIn({ port: 0 });
  kmsClient = new KMSClient(kms.clientConfig);
});
afterAll(async () => {
  kmsClient?.destroy();
  await kms?.stop();
  await tables?.dispose();
});

const serviceOn = (eventStore: string, setting?: Config['LEGACY_EMAIL_CLAIMS']) =>
  new Service({
    config: readConfig({
      COMMAND_TABLE: eventStore,
      QUERY_TABLE: tables.viewsTableName,
      KMS_KEY_ID: kms.aliasName,
      ...(setting ? { LEGACY_EMAIL_CLAIMS: setting } : {}),
    }),
    logger: silentLogger,
    clients: { dynamodb: tables.documentClient, kms: kmsClient },
  });

/** A plaintext claim as the version before hashing wrote it. */
const plaintextClaim = (tableName: string, email: string, owner: string) =>
  tables.documentClient.send(
    new PutCommand({
      TableName: tableName,
      Item: { PK: `UNIQUE#email#${email}`, SK: 'UNIQUE', itemType: 'UNIQUE', owner },
    }),
  );

const register = (service: Service, email: string) =>
  service
    .aggregate(customerModule)
    .commands.execute(
      { type: 'RegisterCustomer', data: { customerId: randomUUID(), email, name: 'Ann' } },
      { correlationId: randomUUID() },
    );

const plaintextClaimItems = async (tableName: string) => {
  const { Items = [] } = await tables.documentClient.send(
    new ScanCommand({
      TableName: tableName,
      FilterExpression: 'begins_with(PK, :plain)',
      ExpressionAttributeValues: { ':plain': 'UNIQUE#email#' },
    }),
  );
  return Items.map((item) => item.PK as string);
};

const freshTable = async () => {
  const name = `events-fresh-${randomUUID().slice(0, 8)}`;
  await createTableIfMissing(tables.client, name, eventStoreTable, {
    initialItems: [hashedClaimsOnlyMarker('created-empty')],
  });
  return name;
};

describe('which email claims a store checks (LEGACY_EMAIL_CLAIMS=auto, the default)', () => {
  it('an upgraded store, in the layout of before, keeps checking its plaintext claims', async () => {
    await plaintextClaim(tables.eventStoreTableName, 'held@before.example', 'legacy-owner');
    const service = serviceOn(tables.eventStoreTableName);
    await expect(register(service, 'Held@Before.example')).rejects.toBeInstanceOf(UniquenessError);
    // And a new claim is checked against the plaintext form too: nothing holds it yet.
    await register(service, 'free@before.example');
    expect(await plaintextClaimItems(tables.eventStoreTableName)).toEqual([
      'UNIQUE#email#held@before.example',
    ]);
  });

  it('a store created empty is marked, and its claims are hashed only', async () => {
    const name = await freshTable();
    const { Item } = await tables.documentClient.send(
      new GetCommand({ TableName: name, Key: HASHED_CLAIMS_ONLY_KEY, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ itemType: 'MARKER', reason: 'created-empty' });
    // Only to prove that nothing looks at the plaintext form: such an item cannot exist here.
    await plaintextClaim(name, 'planted@fresh.example', 'someone-else');
    const service = serviceOn(name);
    const outcome = await register(service, 'planted@fresh.example');
    expect(outcome.version).toBe(1);
    await tables.client.send(new DeleteTableCommand({ TableName: name }));
  });

  it('an explicit setting overrides the marker', async () => {
    const name = await freshTable();
    await plaintextClaim(name, 'checked@fresh.example', 'someone-else');
    await expect(
      register(serviceOn(name, 'check'), 'checked@fresh.example'),
    ).rejects.toBeInstanceOf(UniquenessError);
    await plaintextClaim(tables.eventStoreTableName, 'off@before.example', 'legacy-owner');
    const outcome = await register(
      serviceOn(tables.eventStoreTableName, 'off'),
      'off@before.example',
    );
    expect(outcome.version).toBe(1);
    await tables.client.send(new DeleteTableCommand({ TableName: name }));
  });
});

describe('markIfEmpty (the stack marks its event store when it finds it empty)', () => {
  it('marks an empty table, and again a table holding only the marker', async () => {
    const name = `events-empty-${randomUUID().slice(0, 8)}`;
    await createTableIfMissing(tables.client, name, eventStoreTable);
    expect(await markIfEmpty(tables.client, name)).toBe(true);
    expect(await markIfEmpty(tables.client, name)).toBe(true);
    await tables.client.send(new DeleteTableCommand({ TableName: name }));
  });

  it('leaves a table that holds data unmarked', async () => {
    await plaintextClaim(tables.eventStoreTableName, 'any@before.example', 'legacy-owner');
    expect(await markIfEmpty(tables.client, tables.eventStoreTableName)).toBe(false);
    const { Item } = await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: HASHED_CLAIMS_ONLY_KEY,
        ConsistentRead: true,
      }),
    );
    expect(Item).toBeUndefined();
  });
});

describe('npm run encrypt-legacy marks the store once no plaintext claim is left', () => {
  it('writes the marker after a run without failures, and the service stops checking', async () => {
    const name = `events-upgraded-${randomUUID().slice(0, 8)}`;
    await createTableIfMissing(tables.client, name, eventStoreTable);
    const lines: string[] = [];
    const code = await runEncryptLegacyCli(
      [],
      {
        AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
        AWS_ENDPOINT_URL_KMS: kms.endpoint,
        AWS_REGION: 'us-east-1',
        COMMAND_TABLE: name,
        QUERY_TABLE: tables.viewsTableName,
        KMS_KEY_ID: kms.aliasName,
      },
      { out: (l) => lines.push(l), err: (l) => lines.push(l) },
      { progress: false },
    );
    expect(code).toBe(0);
    const { Item } = await tables.documentClient.send(
      new GetCommand({ TableName: name, Key: HASHED_CLAIMS_ONLY_KEY, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ itemType: 'MARKER', reason: 'encrypt-legacy' });
    await plaintextClaim(name, 'after@upgrade.example', 'someone-else');
    expect((await register(serviceOn(name), 'after@upgrade.example')).version).toBe(1);
    await tables.client.send(new DeleteTableCommand({ TableName: name }));
  });
});
