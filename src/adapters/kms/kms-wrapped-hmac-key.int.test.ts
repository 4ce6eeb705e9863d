import { createHash } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import { KeyUnavailableError } from '../../core/data-keys.js';
import { type KmsStandIn, startKmsStandIn } from '../../local/kms/kms-standin.js';
import { HmacEmailClaimHasher } from '../crypto/hmac-email-claim-hasher.js';
import { DynamoDBWrappedSecretStore } from '../dynamodb/dynamodb-wrapped-secret-store.js';
import { KMSDataKeyWrapper } from './kms-data-key-wrapper.js';
import { KMSWrappedHmacKey } from './kms-wrapped-hmac-key.js';

describe('KMS-wrapped HMAC key for email claims', () => {
  let kms: KmsStandIn;
  let tables: TestTables;
  const clients: KMSClient[] = [];

  /** What one process builds at start: its own KMS client, store and secret holder. */
  const processInstance = () => {
    const client = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
    clients.push(client);
    const store = new DynamoDBWrappedSecretStore({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
    });
    const key = new KMSWrappedHmacKey({ client, keyId: kms.aliasName, store });
    return { key, hasher: new HmacEmailClaimHasher({ secret: () => key.secret() }) };
  };

  beforeAll(async () => {
    kms = await startKmsStandIn();
    tables = await createTestTables();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await kms?.stop();
    await tables?.dispose();
  });

  it('fails with KeyUnavailableError while KMS is down, then loads once it is back', async () => {
    const first = processInstance();
    await kms.pause();
    try {
      await expect(first.hasher.hash('ada@example.com')).rejects.toBeInstanceOf(
        KeyUnavailableError,
      );
    } finally {
      await kms.resume();
    }
    expect(await first.hasher.hash('ada@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same hash in two processes that start at once, and none of them is a plain SHA-256', async () => {
    const [one, two] = [processInstance(), processInstance()];
    const [a, b] = await Promise.all([
      one.hasher.hash('Ada@Example.com'),
      two.hasher.hash(' ada@example.com'),
    ]);
    expect(a).toBe(b);
    expect(a).not.toBe(createHash('sha256').update('ada@example.com').digest('hex'));
    expect(await one.hasher.hash('bob@example.com')).not.toBe(a);
    expect(await processInstance().hasher.hash('ADA@example.com')).toBe(a);
  });

  it('unwraps once per process, then hashes with no KMS call', async () => {
    await processInstance().key.secret(); // the secret exists, as after any first start
    const before = kms.stats().operations;
    const instance = processInstance();
    for (let i = 0; i < 50; i++) await instance.hasher.hash(`user${i}@example.com`);
    const after = kms.stats().operations;
    expect((after.Decrypt ?? 0) - (before.Decrypt ?? 0)).toBe(1);
    expect((after.GenerateDataKey ?? 0) - (before.GenerateDataKey ?? 0)).toBe(0);
  });

  it('stores the secret only wrapped, bound to its purpose', async () => {
    const { Item } = await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: 'SECRET#email-claims', SK: 'SECRET' },
      }),
    );
    const wrapped = Buffer.from(Item?.wrappedKey as Uint8Array);
    const secret = Buffer.from(await processInstance().key.secret());
    expect(secret).toHaveLength(32);
    expect(wrapped.includes(secret)).toBe(false);
    // The blob decrypts only under {purpose: 'email-claims'}: as a customer key it is refused.
    const client = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
    clients.push(client);
    const asCustomerKey = new KMSDataKeyWrapper({ client, keyId: kms.aliasName });
    await expect(asCustomerKey.unwrap('email-claims', wrapped)).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
  });
});
