import { randomUUID } from 'node:crypto';
import {
  CancelKeyDeletionCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import { DataKeyCache } from '../../core/data-key-cache.js';
import { DataKeyForgottenError, KeyUnavailableError } from '../../core/data-keys.js';
import { SubjectDataKeys } from '../../core/subject-data-keys.js';
import { type KmsStandIn, startKmsStandIn } from '../../local/kms/kms-standin.js';
import { decryptField, encryptField } from '../crypto/field-cipher.js';
import { DynamoDBSubjectKeyStore } from '../dynamodb/dynamodb-subject-key-store.js';
import { KMSDataKeyWrapper } from './kms-data-key-wrapper.js';

describe('KMSDataKeyWrapper with the customer key store', () => {
  let kms: KmsStandIn;
  let client: KMSClient;
  let tables: TestTables;
  let wrapper: KMSDataKeyWrapper;
  let store: DynamoDBSubjectKeyStore;

  /** One process's view: its own cache over the shared KMS and table. */
  const processKeys = (cache = new DataKeyCache({ maxEntries: 100, maxAgeMs: 60_000 })) =>
    new SubjectDataKeys({ wrapper, store, cache });

  const calls = () => {
    const { operations } = kms.stats();
    return { generate: operations.GenerateDataKey ?? 0, decrypt: operations.Decrypt ?? 0 };
  };
  const callsSince = (before: ReturnType<typeof calls>) => {
    const after = calls();
    return { generate: after.generate - before.generate, decrypt: after.decrypt - before.decrypt };
  };

  beforeAll(async () => {
    kms = await startKmsStandIn();
    // One attempt, so an injected fault is seen as the caller would after the SDK's retries.
    client = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
    tables = await createTestTables();
    wrapper = new KMSDataKeyWrapper({ client, keyId: kms.aliasName });
    store = new DynamoDBSubjectKeyStore({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await kms?.stop();
    await tables?.dispose();
  });
  beforeEach(() => kms.failNextRequests(0));

  it('generates a 256-bit key bound to its customer: another customer cannot unwrap it', async () => {
    const key = await wrapper.generate('c-1');
    expect(key.plaintext).toHaveLength(32);
    expect(Buffer.from(key.wrapped).includes(Buffer.from(key.plaintext))).toBe(false);
    expect(Buffer.from(await wrapper.unwrap('c-1', key.wrapped))).toEqual(
      Buffer.from(key.plaintext),
    );
    const refused = await wrapper.unwrap('c-2', key.wrapped).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'InvalidCiphertextException' });
    expect(refused).not.toBeInstanceOf(KeyUnavailableError);
  });

  it('makes no KMS call for a warm key, and one Decrypt for a cold process', async () => {
    const customerId = randomUUID();
    const writer = processKeys();
    let before = calls();
    const key = await writer.getOrCreate(customerId);
    expect(callsSince(before)).toEqual({ generate: 1, decrypt: 0 });

    before = calls();
    for (let i = 0; i < 5; i++) expect(await writer.get(customerId)).toEqual(key);
    expect(callsSince(before)).toEqual({ generate: 0, decrypt: 0 });

    const reader = processKeys();
    before = calls();
    expect(Buffer.from(await reader.get(customerId))).toEqual(Buffer.from(key));
    expect(Buffer.from(await reader.get(customerId))).toEqual(Buffer.from(key));
    expect(callsSince(before)).toEqual({ generate: 0, decrypt: 1 });
  });

  it('unwraps again after the cache evicted a key by size or by age', async () => {
    let now = 0;
    const keys = processKeys(new DataKeyCache({ maxEntries: 2, maxAgeMs: 10_000, now: () => now }));
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of [a, b, c]) await keys.getOrCreate(id);
    let before = calls();
    await keys.get(b);
    await keys.get(c);
    expect(callsSince(before).decrypt).toBe(0);
    await keys.get(a); // evicted by size
    expect(callsSince(before).decrypt).toBe(1);

    now = 10_000; // every entry is now too old
    before = calls();
    await keys.get(a);
    expect(callsSince(before).decrypt).toBe(1);
  });

  it('converges two processes racing for a new customer on one key', async () => {
    const customerId = randomUUID();
    const [one, two] = await Promise.all([
      processKeys().getOrCreate(customerId),
      processKeys().getOrCreate(customerId),
    ]);
    expect(Buffer.from(one)).toEqual(Buffer.from(two));
    expect(Buffer.from(await processKeys().get(customerId))).toEqual(Buffer.from(one));
  });

  it('cannot unwrap after the key is deleted, in this process or any other', async () => {
    const customerId = randomUUID();
    const keys = processKeys();
    const key = await keys.getOrCreate(customerId);
    const secret = encryptField(key, 'ada@example.com', { subjectId: customerId, field: 'email' });
    expect(await keys.forget(customerId)).toBe(true);
    await expect(keys.get(customerId)).rejects.toBeInstanceOf(DataKeyForgottenError);
    await expect(processKeys().get(customerId)).rejects.toBeInstanceOf(DataKeyForgottenError);
    expect(await store.get(customerId)).toBeUndefined();
    // Only a copy of the plaintext key could still read the value; nothing stored holds one.
    expect(decryptField(key, secret, { subjectId: customerId, field: 'email' })).toBe(
      'ada@example.com',
    );
  });

  it('reports a paused KMS as KeyUnavailableError and works again after resume', async () => {
    const customerId = randomUUID();
    await processKeys().getOrCreate(customerId);
    await kms.pause();
    try {
      for (let i = 0; i < 3; i++) {
        const error = await processKeys()
          .get(customerId)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(KeyUnavailableError);
        expect(error).toMatchObject({ kind: 'unavailable', code: 'KEY_UNAVAILABLE' });
        expect((error as Error).cause).toBeDefined();
      }
      await expect(wrapper.generate('c-x')).rejects.toBeInstanceOf(KeyUnavailableError);
    } finally {
      await kms.resume();
    }
    expect(await processKeys().get(customerId)).toHaveLength(32);
  });

  it('reports throttling and KMS faults as KeyUnavailableError, keeping the cause', async () => {
    const customerId = randomUUID();
    await processKeys().getOrCreate(customerId);
    for (const type of [
      'ThrottlingException',
      'KMSInternalException',
      'DependencyTimeoutException',
    ] as const) {
      kms.failNextRequests(1, type);
      const error = await processKeys()
        .get(customerId)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyUnavailableError);
      expect((error as Error).cause).toMatchObject({ name: type });
      expect((error as Error).message).toContain(type);
    }
  });

  it('reports a disabled key or one pending deletion as KeyUnavailableError, keeping the cause', async () => {
    const customerId = randomUUID();
    const key = await wrapper.generate(customerId);
    const failures: unknown[] = [];
    await client.send(new DisableKeyCommand({ KeyId: kms.keyId }));
    failures.push(await wrapper.unwrap(customerId, key.wrapped).catch((e: unknown) => e));
    await client.send(new ScheduleKeyDeletionCommand({ KeyId: kms.keyId, PendingWindowInDays: 7 }));
    failures.push(await wrapper.generate(randomUUID()).catch((e: unknown) => e));
    await client.send(new CancelKeyDeletionCommand({ KeyId: kms.keyId }));
    await client.send(new EnableKeyCommand({ KeyId: kms.keyId }));
    expect(failures.map((e) => [e instanceof KeyUnavailableError, (e as Error).cause])).toEqual([
      [true, expect.objectContaining({ name: 'DisabledException' })],
      [true, expect.objectContaining({ name: 'KMSInvalidStateException' })],
    ]);
    expect(Buffer.from(await wrapper.unwrap(customerId, key.wrapped))).toEqual(
      Buffer.from(key.plaintext),
    );
  });
});
