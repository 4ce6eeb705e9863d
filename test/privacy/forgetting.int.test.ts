import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { serviceEventsPattern } from '../../src/adapters/eventbridge/projection-rule.js';
import { customerModule } from '../../src/app/customer/module.js';
import { Service } from '../../src/composition/service.js';
import { silentLogger } from '../../src/core/ports.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { localClientConfig } from '../support/dynamodb.js';
import { legacyEventItem } from '../support/legacy-events.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';

/**
 * Erasure end to end, on DynamoDB Local, the KMS stand-in and the whole local pipeline
 * (stream → publisher → EventBridge stand-in → SQS → projector). Every customer gets values
 * no other test uses, so a scan of every table of the run's DynamoDB Local can look for them.
 */
// The tables are new, but one case writes the plaintext layout of before into them, as an
// upgraded stack holds it: such a stack checks plaintext claims.
const config = { ...configWithOwnTables(), LEGACY_EMAIL_CLAIMS: 'check' as const };
let runtime: LocalRuntime;
let documentClient: DynamoDBDocumentClient;
let dynamodb: DynamoDBClient;

type Answer = { status: number; headers: Headers; body: Record<string, unknown> };

const call = async (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  service: Service = runtime.service,
): Promise<Answer> => {
  const app = service.httpApp({ commands: true, queries: true });
  const response = await app.request(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
};

/** Personal data nobody else in the run writes. */
const person = () => {
  const tag = randomUUID().slice(0, 8);
  return {
    email: `Zelda.${tag}@Hyrule.example`,
    newEmail: `zelda.new.${tag}@hyrule.example`,
    name: `Zelda Harkinian-${tag}`,
    note: `called from +44 20 7946 ${tag}`,
  };
};

/** Every needle (case-insensitively) found in any item of any table of DynamoDB Local. */
const findEverywhere = async (needles: string[]): Promise<string[]> => {
  const lower = needles.map((n) => n.toLowerCase());
  const found: string[] = [];
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  for (const TableName of TableNames) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documentClient.send(new ScanCommand({ TableName, ExclusiveStartKey }));
      for (const item of page.Items ?? []) {
        const text = JSON.stringify(item).toLowerCase();
        for (const [i, needle] of lower.entries()) {
          if (text.includes(needle)) found.push(`${TableName}: ${needles[i]}`);
        }
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return found;
};

const streamItems = async (customerId: string) => {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: config.COMMAND_TABLE,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}` },
      ConsistentRead: true,
    }),
  );
  return Items;
};

const put = (Item: Record<string, unknown>) =>
  documentClient.send(new PutCommand({ TableName: config.COMMAND_TABLE, Item }));

const commandRecord = async (commandId: string) =>
  (
    await documentClient.send(
      new GetCommand({
        TableName: config.COMMAND_TABLE,
        Key: { PK: `COMMAND#${commandId}`, SK: 'COMMAND' },
        ConsistentRead: true,
      }),
    )
  ).Item;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Every ordering of an object's fields (a request's JSON may list them in any order). */
const orderings = (data: Record<string, unknown>): Record<string, unknown>[] => {
  const entries = Object.entries(data);
  if (entries.length <= 1) return [data];
  return entries.flatMap(([key, value]) =>
    orderings(Object.fromEntries(entries.filter(([k]) => k !== key))).map((rest) => ({
      [key]: value,
      ...rest,
    })),
  );
};

/**
 * What anyone could compute from the customer's data without a secret: the plain SHA-256 of
 * every shape of their commands (the fingerprint records held before), of each body, and of
 * each value alone.
 */
const plainHashesOf = (
  commands: { type: string; data: Record<string, unknown> }[],
  values: string[],
): string[] => {
  const texts = new Set<string>();
  for (const { type, data } of commands) {
    for (const ordered of orderings(data)) {
      texts.add(JSON.stringify({ type, data: ordered }));
      texts.add(JSON.stringify({ data: ordered, type }));
      texts.add(JSON.stringify(ordered));
    }
  }
  for (const value of values) {
    texts.add(value);
    texts.add(value.toLowerCase());
  }
  return [...texts].map(sha256);
};

beforeAll(async () => {
  const endpoint = localClientConfig(inject('dynamoEndpoint'));
  runtime = await startLocalRuntime({ config, dynamodb: endpoint, visibilityTimeoutSeconds: 1 });
  documentClient = createDocumentClient(endpoint);
  dynamodb = new DynamoDBClient(endpoint);
});
afterAll(async () => {
  await runtime?.stop();
  documentClient?.destroy();
  dynamodb?.destroy();
  await dropTables(config);
});

describe('forgetting a customer (crypto-shredding)', () => {
  it('stores PII only as ciphertext and claims only as keyed hashes, while the views hold plaintext', async () => {
    const p = person();
    const registered = await call('POST', '/customers', { email: p.email, name: p.name });
    expect(registered.status).toBe(201);
    const id = registered.body.customerId as string;
    await runtime.waitUntilIdle();

    const items = await streamItems(id);
    const text = JSON.stringify(items).toLowerCase();
    expect(text).not.toContain(p.email.toLowerCase());
    expect(text).not.toContain(p.name.toLowerCase());
    const event = items.find((i) => i.itemType === 'EVENT');
    expect(event?.payload).toMatchObject({
      email: { $enc: expect.stringMatching(/^v1:/) },
      name: { $enc: expect.stringMatching(/^v1:/) },
    });
    expect(event?.metadata).toMatchObject({ schemaVersion: 2 });
    // The read model keeps plaintext for search; nothing else does.
    const found = await findEverywhere([p.email, p.name]);
    expect(found).toEqual([
      `${config.QUERY_TABLE}: ${p.email}`,
      `${config.QUERY_TABLE}: ${p.name}`,
    ]);
    const view = await call('GET', `/customers/${id}`);
    expect(view.body).toMatchObject({ email: p.email, name: p.name, status: 'ACTIVE' });
  });

  it('forgets a customer with history: no plaintext in any table, tombstone, markers, email free', async () => {
    const p = person();
    const id = (await call('POST', '/customers', { email: p.email, name: p.name })).body
      .customerId as string;
    expect((await call('PUT', `/customers/${id}/email`, { email: p.newEmail })).status).toBe(200);
    const suspended = await call('POST', `/customers/${id}/suspend`, {
      reasonCode: 'FRAUD',
      note: p.note,
    });
    expect(suspended.body.version).toBe(3);
    await runtime.waitUntilIdle();

    const forgotten = await call('DELETE', `/customers/${id}`);
    expect(forgotten).toMatchObject({ status: 200, body: { customerId: id, version: 4 } });
    await runtime.waitUntilIdle();

    expect(await findEverywhere([p.email, p.newEmail, p.name, p.note])).toEqual([]);
    const gone = await call('GET', `/customers/${id}`);
    expect(gone).toMatchObject({ status: 410, body: { error: { code: 'CUSTOMER_FORGOTTEN' } } });

    const history = await call('GET', `/customers/${id}/events`);
    expect(history.status).toBe(200);
    const events = history.body.events as { eventType: string; payload: unknown }[];
    expect(events.map((e) => e.eventType)).toEqual([
      'CustomerRegistered',
      'CustomerEmailUpdated',
      'CustomerSuspended',
      'CustomerForgotten',
    ]);
    expect(events.map((e) => e.payload)).toEqual([
      { email: '[forgotten]', name: '[forgotten]' },
      { oldEmail: '[forgotten]', newEmail: '[forgotten]' },
      { reasonCode: 'FRAUD', note: '[forgotten]' },
      {},
    ]);

    // Every further command is refused and appends nothing; a second DELETE is harmless.
    for (const [method, path, body] of [
      ['PUT', `/customers/${id}/email`, { email: `other.${p.email}` }],
      ['POST', `/customers/${id}/reactivate`, undefined],
      ['POST', `/customers/${id}/suspend`, { reasonCode: 'OTHER' }],
    ] as const) {
      const refused = await call(method, path, body);
      expect(refused.status).toBe(410);
    }
    expect(await call('DELETE', `/customers/${id}`)).toMatchObject({
      status: 200,
      body: { customerId: id, version: 4 },
    });
    const items = await streamItems(id);
    expect(items.filter((i) => i.itemType === 'EVENT')).toHaveLength(4);
    expect(items.filter((i) => i.itemType === 'SNAPSHOT')).toHaveLength(0);

    // Anyone may take either email now.
    for (const email of [p.email, p.newEmail]) {
      const again = await call('POST', '/customers', { email, name: 'Someone Else' });
      expect(again.status).toBe(201);
    }
  });

  it('puts PII on the bus and the queues only as ciphertext', async () => {
    // A second rule on the bus, to a queue of its own: what every consumer receives.
    const sqs = new SQSClient(runtime.sqs.clientConfig);
    try {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: `tap-${randomUUID()}` }),
      );
      if (!QueueUrl) throw new Error('no queue URL');
      runtime.eventBridge.addRule({
        name: `tap-${randomUUID().slice(0, 8)}`,
        eventBusName: config.EVENT_BUS_NAME,
        eventPattern: serviceEventsPattern(config.EVENT_SOURCE_NAME),
        targets: [{ id: 'tap', queueUrl: QueueUrl }],
      });
      const p = person();
      const id = (await call('POST', '/customers', { email: p.email, name: p.name })).body
        .customerId as string;
      await call('POST', `/customers/${id}/suspend`, { reasonCode: 'FRAUD', note: p.note });
      await runtime.waitUntilIdle();
      const bodies: string[] = [];
      for (let i = 0; i < 5 && bodies.length < 2; i++) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        bodies.push(...Messages.map((m) => m.Body ?? ''));
      }
      const mine = bodies.filter((b) => b.includes(id));
      expect(mine).toHaveLength(2);
      for (const body of mine) {
        for (const secret of [p.email, p.name, p.note]) {
          expect(body.toLowerCase()).not.toContain(secret.toLowerCase());
        }
        expect(body).toContain('"$enc":"v1:');
      }
    } finally {
      sqs.destroy();
    }
  });

  it('answers 404 for an unknown id, and the direct invocation forgets too', async () => {
    expect((await call('DELETE', `/customers/${randomUUID()}`)).status).toBe(404);
    const p = person();
    const id = (await call('POST', '/customers', { email: p.email, name: p.name })).body
      .customerId as string;
    const { runDirectCommand } = await import('../../src/app/direct-commands.js');
    const answer = await runDirectCommand(
      runtime.service.aggregate(customerModule).commands,
      { commandType: 'ForgetCustomer', payload: { customerId: id } },
      'test',
    );
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ customerId: id, version: 2 });
    await runtime.waitUntilIdle();
    expect(await findEverywhere([p.email, p.name])).toEqual([]);
  });

  it('forgets a stream in the plaintext layout of before, written straight into the table', async () => {
    const p = person();
    const id = `legacy-${randomUUID().slice(0, 8)}`;
    await put(legacyEventItem(id, 1, 'CustomerRegistered', { email: p.email, name: p.name }));
    await put(
      legacyEventItem(id, 2, 'CustomerEmailUpdated', { oldEmail: p.email, newEmail: p.newEmail }),
    );
    await put(legacyEventItem(id, 3, 'CustomerSuspended', { reason: p.note }));
    await put({
      PK: `UNIQUE#email#${p.newEmail.toLowerCase()}`,
      SK: 'UNIQUE',
      itemType: 'UNIQUE',
      owner: id,
    });
    await put({
      PK: `CUSTOMER#${id}`,
      SK: 'SNAPSHOT',
      itemType: 'SNAPSHOT',
      aggregateId: id,
      version: 3,
      schemaVersion: 1,
      state: { status: 'SUSPENDED', email: p.newEmail, name: p.name, suspensionReason: p.note },
      takenAt: '2025-06-01T00:01:00.000Z',
    });

    // The plaintext claim of before still holds the email for its customer.
    const taken = await call('POST', '/customers', { email: p.newEmail, name: 'Intruder' });
    expect(taken.status).toBe(409);

    const forgotten = await call('DELETE', `/customers/${id}`);
    expect(forgotten).toMatchObject({ status: 200, body: { customerId: id, version: 4 } });
    await runtime.waitUntilIdle();

    expect(await findEverywhere([p.email, p.newEmail, p.name, p.note])).toEqual([]);
    const history = await call('GET', `/customers/${id}/events`);
    expect(JSON.stringify(history.body)).not.toContain(p.name);
    expect((await call('GET', `/customers/${id}`)).status).toBe(410);
    const again = await call('POST', '/customers', { email: p.newEmail, name: 'Someone Else' });
    expect(again.status).toBe(201);
  });

  it('answers 503 with Retry-After and writes nothing while KMS is out', async () => {
    const kms = runtime.kms;
    if (!kms) throw new Error('the runtime runs without its KMS stand-in');
    const p = person();
    const existing = (await call('POST', '/customers', { email: p.email, name: p.name })).body
      .customerId as string;
    // A second process on the same tables and KMS, with nothing cached yet.
    const kmsClient = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
    const cold = new Service({
      config: runtime.config,
      logger: silentLogger,
      clients: { dynamodb: documentClient, kms: kmsClient },
    });
    const coldApp = cold.httpApp({ commands: true });
    await kms.pause();
    try {
      const newId = randomUUID();
      const other = person();
      const register = await coldApp.request('/customers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: newId, email: other.email, name: other.name }),
      });
      expect(register.status).toBe(503);
      expect(register.headers.get('retry-after')).toBe('1');
      expect(await streamItems(newId)).toEqual([]);

      const suspend = await coldApp.request(`/customers/${existing}/suspend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reasonCode: 'OTHER', note: other.note }),
      });
      expect(suspend.status).toBe(503);
      expect(suspend.headers.get('retry-after')).toBe('1');
      expect((await streamItems(existing)).filter((i) => i.itemType === 'EVENT')).toHaveLength(1);
      expect(await findEverywhere([other.email, other.name, other.note])).toEqual([]);
    } finally {
      await kms.resume();
      kmsClient.destroy();
    }
  });

  it('makes no KMS call for warm commands', async () => {
    const kms = runtime.kms;
    if (!kms) throw new Error('the runtime runs without its KMS stand-in');
    const p = person();
    const id = (await call('POST', '/customers', { email: p.email, name: p.name })).body
      .customerId as string;
    const before = kms.stats().requests;
    for (let i = 0; i < 5; i++) {
      expect(
        (await call('POST', `/customers/${id}/suspend`, { reasonCode: 'OTHER', note: `n${i}` }))
          .status,
      ).toBe(200);
      expect((await call('POST', `/customers/${id}/reactivate`)).status).toBe(200);
    }
    expect(kms.stats().requests - before).toBe(0);
  });
});

describe('forgetting leaves no trace', () => {
  it('deletes the idempotency records: a replay after the forget answers 410 and appends nothing', async () => {
    const p = person();
    const [registerKey, changeKey] = [randomUUID(), randomUUID()];
    const registerBody = { email: p.email, name: p.name };
    const registered = await call('POST', '/customers', registerBody, {
      'idempotency-key': registerKey,
    });
    expect(registered.status).toBe(201);
    const id = registered.body.customerId as string;
    const changeBody = { email: p.newEmail };
    const changed = await call('PUT', `/customers/${id}/email`, changeBody, {
      'idempotency-key': changeKey,
    });
    expect(changed.status).toBe(200);
    // Before the forget, a replay answers the first result.
    const replayed = await call('POST', '/customers', registerBody, {
      'idempotency-key': registerKey,
    });
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');

    // The records hold keyed fingerprints only: nothing computable from the customer's data.
    for (const key of [registerKey, changeKey]) {
      expect((await commandRecord(key))?.requestHash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    }
    const hashes = plainHashesOf(
      [
        { type: 'RegisterCustomer', data: { customerId: id, ...registerBody } },
        { type: 'UpdateEmail', data: { customerId: id, newEmail: p.newEmail } },
      ],
      [p.email, p.newEmail, p.name],
    );
    expect(hashes.length).toBeGreaterThan(10);
    expect(await findEverywhere(hashes)).toEqual([]);

    expect((await call('DELETE', `/customers/${id}`)).status).toBe(200);
    expect(await commandRecord(registerKey)).toBeUndefined();
    expect(await commandRecord(changeKey)).toBeUndefined();

    for (const [method, path, body, key] of [
      ['POST', '/customers', registerBody, registerKey],
      ['PUT', `/customers/${id}/email`, changeBody, changeKey],
    ] as const) {
      const replay = await call(method, path, body, { 'idempotency-key': key });
      expect(replay).toMatchObject({
        status: 410,
        body: { error: { code: 'CUSTOMER_FORGOTTEN' } },
      });
      expect(replay.headers.get('idempotent-replayed')).toBeNull();
    }
    const items = await streamItems(id);
    expect(items.filter((i) => i.itemType === 'EVENT').map((i) => i.eventType)).toEqual([
      'CustomerRegistered',
      'CustomerEmailUpdated',
      'CustomerForgotten',
    ]);
    await runtime.waitUntilIdle();
    expect(await findEverywhere([...hashes, p.email, p.newEmail, p.name])).toEqual([]);
  });

  it("honours an old record's plain SHA-256 fingerprint, and deletes it on forget", async () => {
    const p = person();
    const id = randomUUID();
    const key = randomUUID();
    const body = { customerId: id, email: p.email, name: p.name };
    expect((await call('POST', '/customers', body, { 'idempotency-key': key })).status).toBe(201);
    // The record as the version on main writes it: the plain SHA-256 of the command's JSON.
    await put({
      PK: `COMMAND#${key}`,
      SK: 'COMMAND',
      itemType: 'COMMAND',
      aggregateId: id,
      version: 1,
      requestHash: sha256(
        JSON.stringify({
          type: 'RegisterCustomer',
          data: { customerId: id, email: p.email, name: p.name },
        }),
      ),
      expiresAt: Math.floor(Date.now() / 1000) + 7 * 86_400,
    });

    const replayed = await call('POST', '/customers', body, { 'idempotency-key': key });
    expect(replayed).toMatchObject({ status: 201, body: { customerId: id, version: 1 } });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const reused = await call(
      'POST',
      '/customers',
      { ...body, name: 'Someone Else' },
      { 'idempotency-key': key },
    );
    expect(reused).toMatchObject({
      status: 422,
      body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } },
    });

    expect((await call('DELETE', `/customers/${id}`)).status).toBe(200);
    expect(await commandRecord(key)).toBeUndefined();
    expect((await call('POST', '/customers', body, { 'idempotency-key': key })).status).toBe(410);
    expect((await streamItems(id)).filter((i) => i.itemType === 'EVENT')).toHaveLength(2);
  });

  it('shows the markers at once in a second process whose key cache holds the key', async () => {
    const kms = runtime.kms;
    if (!kms) throw new Error('the runtime runs without its KMS stand-in');
    const kmsClient = new KMSClient(kms.clientConfig);
    // Another warm process on the same tables: it read the history, so it holds the key.
    const first = new Service({
      config: runtime.config,
      logger: silentLogger,
      clients: { dynamodb: documentClient, kms: kmsClient },
    });
    try {
      const p = person();
      const id = (await call('POST', '/customers', { email: p.email, name: p.name })).body
        .customerId as string;
      const before = await call('GET', `/customers/${id}/events`, undefined, {}, first);
      expect(before.body.events).toMatchObject([{ payload: { email: p.email, name: p.name } }]);
      expect(first.crypto?.cache.get(id)).toBeInstanceOf(Uint8Array);

      expect((await call('DELETE', `/customers/${id}`)).status).toBe(200);

      const after = await call('GET', `/customers/${id}/events`, undefined, {}, first);
      expect(after.status).toBe(200);
      expect((after.body.events as { payload: unknown }[]).map((e) => e.payload)).toEqual([
        { email: '[forgotten]', name: '[forgotten]' },
        {},
      ]);
      expect(first.crypto?.cache.get(id)).toBeUndefined();
      // Its commands are refused too, whatever it cached of the customer.
      const refused = await call('PUT', `/customers/${id}/email`, { email: p.newEmail }, {}, first);
      expect(refused.status).toBe(410);
    } finally {
      kmsClient.destroy();
    }
  });
});
