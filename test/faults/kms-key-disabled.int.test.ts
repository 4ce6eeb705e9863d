import { randomUUID } from 'node:crypto';
import {
  CancelKeyDeletionCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/ports.js';
import { type KmsStandIn, startKmsStandIn } from '../../src/local/kms/kms-standin.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

/**
 * The service's KMS key disabled or scheduled for deletion by an operator, against the KMS
 * stand-in: commands answer 503 with `Retry-After` and write nothing, and the service
 * recovers by itself once the key is enabled again, with no restart.
 */
describe('the service while its KMS key is disabled or pending deletion', () => {
  let tables: TestTables;
  let kms: KmsStandIn;
  let serviceKms: KMSClient;
  let admin: KMSClient;
  const services: Service[] = [];

  /** One process of the service: its own data-key cache and HMAC secret, the shared KMS. */
  const startProcess = () => {
    const service = new Service({
      config: readConfig({
        COMMAND_TABLE: tables.eventStoreTableName,
        QUERY_TABLE: tables.viewsTableName,
        KMS_KEY_ID: kms.aliasName,
      }),
      clients: { dynamodb: tables.documentClient, kms: serviceKms },
      logger: silentLogger,
    });
    services.push(service);
    return service;
  };

  const call = async (service: Service, method: string, path: string, body: unknown) => {
    const response = await service.httpApp({ commands: true, queries: true }).request(path, {
      method,
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as { customerId?: string; error?: { code: string } },
    };
  };
  const register = (service: Service) => {
    const tag = randomUUID();
    return call(service, 'POST', '/customers', { email: `${tag}@example.com`, name: 'Ada' });
  };
  /** Every item of the event store table: events, claims, keys, command records. */
  const storedItems = async () => {
    const { Count } = await tables.documentClient.send(
      new ScanCommand({
        TableName: tables.eventStoreTableName,
        Select: 'COUNT',
        ConsistentRead: true,
      }),
    );
    return Count ?? 0;
  };
  const expectRefusedWithNothingWritten = async (service: Service) => {
    const before = await storedItems();
    const refused = await register(service);
    expect(refused).toMatchObject({ status: 503, retryAfter: '1' });
    expect(refused.body.error?.code).toBe('KEY_UNAVAILABLE');
    expect(await storedItems()).toBe(before);
  };

  beforeAll(async () => {
    tables = await createTestTables();
    kms = await startKmsStandIn();
    // The SDK's default retries: a disabled key is a client error, which it does not retry.
    serviceKms = new KMSClient(kms.clientConfig);
    admin = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    serviceKms?.destroy();
    admin?.destroy();
    await kms?.stop();
    await tables?.dispose();
  });

  it('answers 503 with Retry-After and writes nothing while disabled, and recovers once enabled', async () => {
    const warm = startProcess();
    // The first command loads the process's HMAC secret and branch key; later ones use their
    // cached copies, for up to BRANCH_KEY_CACHE_TTL_SECONDS, so they need no KMS call.
    expect((await register(warm)).status).toBe(201);

    await admin.send(new DisableKeyCommand({ KeyId: kms.keyId }));
    const service = startProcess();
    try {
      expect((await register(warm)).status).toBe(201);
      for (let i = 0; i < 3; i++) await expectRefusedWithNothingWritten(service);
    } finally {
      await admin.send(new EnableKeyCommand({ KeyId: kms.keyId }));
    }
    // The process that was refused, without a restart.
    const before = await storedItems();
    const recovered = await register(service);
    expect(recovered.status).toBe(201);
    expect(await storedItems()).toBeGreaterThan(before);
  });

  it('serves a customer whose data key this process holds, while a new process cannot', async () => {
    const warm = startProcess();
    const registered = await register(warm);
    expect(registered.status).toBe(201);
    const id = registered.body.customerId as string;

    await admin.send(new DisableKeyCommand({ KeyId: kms.keyId }));
    try {
      // The unwrapped data key and the HMAC secret are cached in memory (for up to
      // DATA_KEY_CACHE_MAX_AGE_SECONDS), so this process needs no KMS call, as on AWS.
      const cached = await call(warm, 'PUT', `/customers/${id}/email`, {
        email: `${randomUUID()}@example.com`,
      });
      expect(cached.status).toBe(200);
      // A cold process has to unwrap the HMAC secret and the data key: refused, nothing written.
      const cold = startProcess();
      const before = await storedItems();
      const refused = await call(cold, 'PUT', `/customers/${id}/email`, {
        email: `${randomUUID()}@example.com`,
      });
      expect(refused).toMatchObject({ status: 503, retryAfter: '1' });
      expect(await storedItems()).toBe(before);
    } finally {
      await admin.send(new EnableKeyCommand({ KeyId: kms.keyId }));
    }
  });

  it('answers 503 while the key is pending deletion, still after cancelling (Disabled), until enabled', async () => {
    expect((await register(startProcess())).status).toBe(201);

    // A process with nothing cached: one that holds the branch key would serve on until its TTL.
    const service = startProcess();
    await admin.send(new ScheduleKeyDeletionCommand({ KeyId: kms.keyId, PendingWindowInDays: 7 }));
    try {
      await expectRefusedWithNothingWritten(service);
    } finally {
      await admin.send(new CancelKeyDeletionCommand({ KeyId: kms.keyId }));
    }
    // KMS leaves a key whose deletion was cancelled disabled.
    await expectRefusedWithNothingWritten(service);
    await admin.send(new EnableKeyCommand({ KeyId: kms.keyId }));
    expect((await register(service)).status).toBe(201);
  });
});
