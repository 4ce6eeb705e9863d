import { createHash, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerModule } from '../../src/app/customer/module.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { IdempotencyKeyReusedError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/ports.js';
import { CustomerForgottenError } from '../../src/domain/customer/index.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

/**
 * Without a KMS key the service stores events in plaintext, but the fingerprints of its
 * idempotency records are still keyed: by a random secret in the table, shared by every
 * process on it.
 */
let tables: TestTables;
let services: [Service, Service];

const item = async (PK: string, SK: string) =>
  (
    await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK, SK },
        ConsistentRead: true,
      }),
    )
  ).Item;

beforeAll(async () => {
  tables = await createTestTables();
  const config = readConfig({
    COMMAND_TABLE: tables.eventStoreTableName,
    QUERY_TABLE: tables.viewsTableName,
  });
  expect(config.KMS_KEY_ID).toBeUndefined();
  const service = () =>
    new Service({
      config,
      logger: silentLogger,
      clients: { dynamodb: tables.documentClient },
    });
  services = [service(), service()];
});
afterAll(async () => {
  await tables?.dispose();
});

describe('request fingerprints without a KMS key (plaintext mode)', () => {
  it('are keyed by a secret every process shares, never a plain hash, and go with a forget', async () => {
    const [first, second] = services;
    const customerId = randomUUID();
    const key = randomUUID();
    const command = {
      type: 'RegisterCustomer',
      data: { customerId, email: `plain.${customerId}@example.com`, name: 'Plain Mode' },
    };
    const meta = { commandId: key, correlationId: 'corr' };
    expect(await first.aggregate(customerModule).commands.execute(command, meta)).toMatchObject({
      version: 1,
      replayed: false,
    });

    const record = await item(`COMMAND#${key}`, 'COMMAND');
    expect(record?.requestHash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(record?.requestHash).not.toContain(
      createHash('sha256').update(JSON.stringify(command)).digest('hex'),
    );
    const secret = await item('SECRET#request-fingerprints-unprotected', 'SECRET');
    expect((secret?.wrappedKey as Uint8Array | undefined)?.length).toBe(32);

    // Another process derives the same key from the stored secret: the retry is a replay.
    expect(await second.aggregate(customerModule).commands.execute(command, meta)).toMatchObject({
      version: 1,
      replayed: true,
    });
    await expect(
      second
        .aggregate(customerModule)
        .commands.execute({ ...command, data: { ...command.data, name: 'Other' } }, meta),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);

    await first
      .aggregate(customerModule)
      .commands.execute({ type: 'ForgetCustomer', data: { customerId } }, { correlationId: 'c' });
    expect(await item(`COMMAND#${key}`, 'COMMAND')).toBeUndefined();
    await expect(
      second.aggregate(customerModule).commands.execute(command, meta),
    ).rejects.toBeInstanceOf(CustomerForgottenError);
  });
});
