import { randomUUID } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchKeyOf, isBranchWrapped } from '../../src/adapters/crypto/branch-key-envelope.js';
import { DynamoDBSubjectKeyStore } from '../../src/adapters/dynamodb/dynamodb-subject-key-store.js';
import { DATA_KEYS_BRANCH_KEY_ID } from '../../src/adapters/kms/kms-branch-key-protector.js';
import { KMSDataKeyWrapper } from '../../src/adapters/kms/kms-data-key-wrapper.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { DataKeyForgottenError } from '../../src/core/data-keys.js';
import { silentLogger } from '../../src/core/ports.js';
import { type KmsStandIn, startKmsStandIn } from '../../src/local/kms/kms-standin.js';
import { runRotateBranchKeyCli } from '../../src/ops/rotate-branch-key-cli.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

/**
 * The key hierarchy against DynamoDB Local and the KMS stand-in: data keys wrapped by a
 * branch key, whose materials each process unwraps once (KMS) and caches.
 */
describe('data keys wrapped by a branch key', () => {
  let tables: TestTables;
  let kms: KmsStandIn;
  let kmsClient: KMSClient;
  const services: Service[] = [];

  /** One process of the service: its own caches, the shared table and KMS. */
  const startProcess = (settings: Record<string, string> = {}) => {
    const service = new Service({
      config: readConfig({
        COMMAND_TABLE: tables.eventStoreTableName,
        QUERY_TABLE: tables.viewsTableName,
        KMS_KEY_ID: kms.aliasName,
        ...settings,
      }),
      clients: { dynamodb: tables.documentClient, kms: kmsClient },
      logger: silentLogger,
    });
    services.push(service);
    return service;
  };
  const cryptoOf = (service: Service) => {
    const crypto = service.crypto;
    if (!crypto) throw new Error('no crypto');
    return crypto;
  };
  const call = async (service: Service, method: string, path: string, body?: unknown) => {
    const response = await service.httpApp({ commands: true, queries: true }).request(path, {
      method,
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as { customerId?: string; error?: { code: string } },
    };
  };
  const register = async (service: Service) => {
    const answer = await call(service, 'POST', '/customers', {
      email: `${randomUUID()}@example.com`,
      name: 'Ada Lovelace',
    });
    expect(answer.status).toBe(201);
    return answer.body.customerId as string;
  };
  const kmsCalls = () => {
    const { operations } = kms.stats();
    return (operations.Decrypt ?? 0) + (operations.GenerateDataKey ?? 0);
  };
  const storedKey = async (customerId: string) =>
    (
      await tables.documentClient.send(
        new GetCommand({
          TableName: tables.eventStoreTableName,
          Key: { PK: `KEY#${customerId}`, SK: 'KEY' },
        }),
      )
    ).Item?.wrappedKey as Uint8Array | undefined;
  const branchKeyItems = async () =>
    (
      await tables.documentClient.send(
        new QueryCommand({
          TableName: tables.eventStoreTableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `BRANCH_KEY#${DATA_KEYS_BRANCH_KEY_ID}` },
        }),
      )
    ).Items ?? [];
  const itemCount = async () =>
    (
      await tables.documentClient.send(
        new ScanCommand({ TableName: tables.eventStoreTableName, Select: 'COUNT' }),
      )
    ).Count ?? 0;

  beforeAll(async () => {
    tables = await createTestTables();
    kms = await startKmsStandIn();
    // One attempt, so an injected fault is seen as a caller sees it after the SDK's retries.
    kmsClient = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    kmsClient?.destroy();
    await kms?.stop();
    await tables?.dispose();
  });

  it('stores keys wrapped by the branch key; a cold process reads many customers for one KMS call', async () => {
    const writer = startProcess();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await register(writer));
    for (const id of ids) expect(isBranchWrapped((await storedKey(id)) as Uint8Array)).toBe(true);
    // The branch key's items hold KMS ciphertext only: an active item and its version.
    const items = await branchKeyItems();
    expect(items.map((item) => item.SK).sort()).toEqual([
      'ACTIVE',
      `VERSION#${items[0]?.branchKeyVersion}`,
    ]);

    const reader = startProcess();
    const before = kmsCalls();
    for (const id of ids) {
      const history = await reader.httpApp({ commands: true }).request(`/customers/${id}/events`);
      expect(history.status).toBe(200);
      expect(JSON.stringify(await history.json())).toContain('Ada Lovelace');
    }
    // One Decrypt of the branch key for ten customers (wrapped directly by KMS: ten).
    expect(kmsCalls() - before).toBe(1);
  });

  it('forgetting deletes the customer’s wrapped key: no process can read their data again', async () => {
    const writer = startProcess();
    const id = await register(writer);
    expect((await call(writer, 'DELETE', `/customers/${id}`)).status).toBe(200);
    expect(await storedKey(id)).toBeUndefined();
    // The branch key stays (it serves everyone else); without the customer's own wrapped
    // key there is nothing it could unwrap.
    expect((await branchKeyItems()).length).toBeGreaterThan(0);
    const cold = startProcess();
    await expect(cryptoOf(cold).keys.get(id)).rejects.toBeInstanceOf(DataKeyForgottenError);
    const history = await cold.httpApp({ commands: true }).request(`/customers/${id}/events`);
    expect(JSON.stringify(await history.json())).not.toContain('Ada Lovelace');
  });

  it('rotation: a new version is active, keys under the old one still read, none is rewritten', async () => {
    const warm = startProcess();
    const before = await register(warm);
    const keyBefore = Buffer.from((await storedKey(before)) as Uint8Array);
    const active = async () =>
      (await branchKeyItems()).find((item) => item.SK === 'ACTIVE')?.branchKeyVersion as string;
    const oldVersion = await active();

    const lines: string[] = [];
    const code = await runRotateBranchKeyCli(
      [],
      {
        AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
        AWS_ENDPOINT_URL_KMS: kms.endpoint,
        AWS_REGION: 'us-east-1',
        COMMAND_TABLE: tables.eventStoreTableName,
        QUERY_TABLE: tables.viewsTableName,
        KMS_KEY_ID: kms.aliasName,
      },
      { out: (l) => lines.push(l), err: (l) => lines.push(l) },
    );
    expect(code).toBe(0);
    const newVersion = await active();
    expect(newVersion).not.toBe(oldVersion);
    expect(lines).toContain(
      `branch key ${DATA_KEYS_BRANCH_KEY_ID}: version ${newVersion} is active (was ${oldVersion}, still readable)`,
    );
    const versions = (await branchKeyItems()).filter((item) => item.SK !== 'ACTIVE');
    expect(versions.map((item) => item.branchKeyVersion).sort()).toEqual(
      [oldVersion, newVersion].sort(),
    );

    // A new process wraps under the new version; the old customer's key is untouched.
    const fresh = startProcess();
    const after = await register(fresh);
    expect(branchKeyOf((await storedKey(after)) as Uint8Array).version).toBe(newVersion);
    expect(Buffer.from((await storedKey(before)) as Uint8Array).equals(keyBefore)).toBe(true);
    expect(branchKeyOf(keyBefore).version).toBe(oldVersion);
    // Both read in a cold process, each under its own version.
    const reader = startProcess();
    for (const id of [before, after]) {
      const history = await reader.httpApp({ commands: true }).request(`/customers/${id}/events`);
      expect(JSON.stringify(await history.json())).toContain('Ada Lovelace');
    }
  });

  it('keys wrapped directly by KMS, as stored before the hierarchy, still read', async () => {
    // Written as the version before this one wrote it: KMS GenerateDataKey under {customerId}.
    const id = randomUUID();
    const legacy = await new KMSDataKeyWrapper({
      client: kmsClient,
      keyId: kms.aliasName,
    }).generate(id);
    await new DynamoDBSubjectKeyStore({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
    }).putIfAbsent(id, legacy.wrapped);
    expect(isBranchWrapped((await storedKey(id)) as Uint8Array)).toBe(false);
    const cold = startProcess();
    expect(Buffer.from(await cryptoOf(cold).keys.get(id))).toEqual(Buffer.from(legacy.plaintext));
  });

  it('a cold branch key with KMS down: 503 with Retry-After, nothing written; recovers without restart', async () => {
    const cold = startProcess();
    // The HMAC secret is warm: the branch key is what this process still has to unwrap.
    await cryptoOf(cold).hasher.hash('warm@example.com');
    const before = await itemCount();
    kms.failNextRequests(1_000);
    try {
      const refused = await call(cold, 'POST', '/customers', {
        email: `${randomUUID()}@example.com`,
        name: 'Ada Lovelace',
      });
      expect(refused).toMatchObject({ status: 503, retryAfter: '1' });
      expect(refused.body.error?.code).toBe('KEY_UNAVAILABLE');
      expect(await itemCount()).toBe(before);
    } finally {
      kms.failNextRequests(0);
    }
    await register(cold);
    expect(await itemCount()).toBeGreaterThan(before);
  });
});
