import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { claimKey, commandKey } from '../../src/adapters/dynamodb/event-store-keys.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { EMAIL_SCOPE } from '../../src/domain/customer/uniqueness.js';
import { createTestTables, localClientConfig, type TestTables } from '../support/dynamodb.js';
import { type FaultyDynamoDB, faultyDynamoDB } from './faulty-dynamodb.js';

describe('DynamoDB throttling and transient faults under the command API', () => {
  let tables: TestTables;
  let faulty: FaultyDynamoDB;
  let faultyClient: DynamoDBDocumentClient;
  /** What is really stored, read past the faults. */
  let inspect: DynamoDBEventStore;
  let app: ReturnType<typeof createHttpApp>;

  beforeAll(async () => {
    tables = await createTestTables();
    faulty = faultyDynamoDB(localClientConfig(inject('dynamoEndpoint')));
    faultyClient = createDocumentClient(faulty.config);
    const store = new DynamoDBEventStore({
      client: faultyClient,
      tableName: tables.eventStoreTableName,
    });
    app = createHttpApp({ commands: [createCommandRoutes(new CustomerCommandService({ store }))] });
    inspect = new DynamoDBEventStore({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
    });
  });
  beforeEach(() => {
    faulty.plan = () => undefined;
  });
  afterAll(async () => {
    faultyClient?.destroy();
    faulty?.close();
    await tables?.dispose();
  });

  const call = async (method: string, path: string, body: unknown, key: string) => {
    const response = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as { version?: number; error?: { code: string } },
    };
  };
  const item = async (key: { PK: string; SK: string }) =>
    (
      await tables.documentClient.send(
        new GetCommand({ TableName: tables.eventStoreTableName, Key: key, ConsistentRead: true }),
      )
    ).Item;
  const claimOwner = async (email: string) =>
    (await item(claimKey(EMAIL_SCOPE, email.toLowerCase())))?.owner as string | undefined;
  const newCustomer = () => {
    const customerId = `thr-${randomUUID()}`;
    return { customerId, email: `${customerId}@example.com`, name: 'Ada' };
  };

  it('retries throttling and 500s with backoff, and the command succeeds once with its claim and record', async () => {
    faulty.plan = (operation, n) => {
      if (operation === 'Query' && n <= 2) return 'throttle';
      if (operation === 'TransactWriteItems' && n === 1) return 'internal';
      if (operation === 'TransactWriteItems' && n === 2) return 'throttle';
      return undefined;
    };
    const before = { query: faulty.count('Query'), write: faulty.count('TransactWriteItems') };
    const customer = newCustomer();
    const r = await call('POST', '/customers', customer, 'thr-transient-1');
    expect(r.status).toBe(201);
    expect(r.body.version).toBe(1);
    // The SDK's own retries did it: the faulty calls were made again, not given up on.
    expect(faulty.count('Query') - before.query).toBe(3);
    expect(faulty.count('TransactWriteItems') - before.write).toBe(3);
    const writes = faulty.calls.filter((c) => c.operation === 'TransactWriteItems').slice(-3);
    expect(writes.map((c) => c.fault)).toEqual(['internal', 'throttle', undefined]);

    const stream = await inspect.readStream(customer.customerId);
    expect(stream.map((e) => [e.eventType, e.version, e.metadata.commandId])).toEqual([
      ['CustomerRegistered', 1, 'thr-transient-1'],
    ]);
    expect(await claimOwner(customer.email)).toBe(customer.customerId);
    expect(await inspect.findCommand('thr-transient-1')).toMatchObject({
      aggregateId: customer.customerId,
      version: 1,
    });
  });

  it('answers 503 with Retry-After while throttling persists, writes nothing, then a retry with the same key writes once', async () => {
    const existing = newCustomer();
    expect((await call('POST', '/customers', existing, 'thr-existing')).status).toBe(201);
    const fresh = newCustomer();
    const newEmail = `moved-${randomUUID()}@example.com`;

    // Every write throttled, whatever the SDK does.
    faulty.plan = (operation) => (operation === 'TransactWriteItems' ? 'throttle' : undefined);
    const writesBefore = faulty.count('TransactWriteItems');
    const register = await call('POST', '/customers', fresh, 'thr-register');
    const writesOfOne = faulty.count('TransactWriteItems') - writesBefore;
    const update = await call(
      'PUT',
      `/customers/${existing.customerId}/email`,
      { email: newEmail },
      'thr-update',
    );
    for (const r of [register, update]) {
      expect(r.status).toBe(503);
      expect(r.retryAfter).toBe('1');
      expect(r.body.error?.code).toBe('STORE_UNAVAILABLE');
    }
    // The SDK's standard retries (its default attempts for DynamoDB) ran before each answer.
    expect(writesOfOne).toBeGreaterThanOrEqual(3);
    expect(faulty.count('TransactWriteItems') - writesBefore).toBe(2 * writesOfOne);

    // Nothing half-written: no event, no claim taken or released, no command record.
    expect(await inspect.readStream(fresh.customerId)).toEqual([]);
    expect(await claimOwner(fresh.email)).toBeUndefined();
    expect(await item(commandKey('thr-register'))).toBeUndefined();
    expect((await inspect.readStream(existing.customerId)).length).toBe(1);
    expect(await claimOwner(existing.email)).toBe(existing.customerId);
    expect(await claimOwner(newEmail)).toBeUndefined();
    expect(await item(commandKey('thr-update'))).toBeUndefined();

    // Reads failing with 500s for good are a 503 too, and write nothing either.
    faulty.plan = (operation) => (operation === 'Query' ? 'internal' : undefined);
    const suspended = await call(
      'POST',
      `/customers/${existing.customerId}/suspend`,
      { reason: 'x' },
      'thr-suspend',
    );
    expect(suspended.status).toBe(503);
    expect(suspended.retryAfter).toBe('1');
    expect((await inspect.readStream(existing.customerId)).length).toBe(1);

    // The store recovers; the clients retry with the same keys and get one effect each.
    faulty.plan = () => undefined;
    expect((await call('POST', '/customers', fresh, 'thr-register')).status).toBe(201);
    expect(
      (
        await call(
          'PUT',
          `/customers/${existing.customerId}/email`,
          { email: newEmail },
          'thr-update',
        )
      ).status,
    ).toBe(200);
    expect((await call('POST', '/customers', fresh, 'thr-register')).body.version).toBe(1);
    expect((await inspect.readStream(fresh.customerId)).map((e) => e.eventType)).toEqual([
      'CustomerRegistered',
    ]);
    expect((await inspect.readStream(existing.customerId)).map((e) => e.eventType)).toEqual([
      'CustomerRegistered',
      'CustomerEmailUpdated',
    ]);
    expect(await claimOwner(fresh.email)).toBe(fresh.customerId);
    expect(await claimOwner(newEmail)).toBe(existing.customerId);
    expect(await claimOwner(existing.email)).toBeUndefined();
  });

  it('writes once when DynamoDB commits but its answer is lost, and the retry answers the first result', async () => {
    const customer = newCustomer();
    let armed = true;
    faulty.plan = (operation) => {
      if (operation !== 'TransactWriteItems' || !armed) return undefined;
      armed = false;
      return 'lose-response';
    };
    const registered = await call('POST', '/customers', customer, 'thr-lost-1');
    expect(registered.status).toBe(201);
    expect(registered.body.version).toBe(1);

    armed = true;
    const newEmail = `lost-${randomUUID()}@example.com`;
    const updated = await call(
      'PUT',
      `/customers/${customer.customerId}/email`,
      { email: newEmail },
      'thr-lost-2',
    );
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);

    const stream = await inspect.readStream(customer.customerId);
    expect(stream.map((e) => [e.eventType, e.metadata.commandId])).toEqual([
      ['CustomerRegistered', 'thr-lost-1'],
      ['CustomerEmailUpdated', 'thr-lost-2'],
    ]);
    expect(await claimOwner(newEmail)).toBe(customer.customerId);
    expect(await claimOwner(customer.email)).toBeUndefined();
  });
});
