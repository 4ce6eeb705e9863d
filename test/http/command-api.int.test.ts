import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import {
  CustomerCommandService,
  SNAPSHOT_SCHEMA_VERSION,
} from '../../src/app/customer/customer-commands.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { type RunningHttpServer, serveHttp } from '../../src/local/http-server.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

let tables: TestTables;
let store: DynamoDBEventStore;
let server: RunningHttpServer;

beforeAll(async () => {
  tables = await createTestTables();
  store = tables.events;
  const commands = new CustomerCommandService({ store, snapshotEvery: 5 });
  server = await serveHttp(createHttpApp({ commands: [createCommandRoutes(commands)] }), {
    port: 0,
  });
});
afterAll(async () => {
  await server?.close();
  await tables?.dispose();
});

const call = async (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
};
const email = () => `${randomUUID()}@example.com`;
const registerNew = async () => {
  const customerId = `c-${randomUUID()}`;
  const r = await call('POST', '/customers', { customerId, email: email(), name: 'Ada' });
  expect(r.status).toBe(201);
  return customerId;
};
const eventsOf = async (customerId: string) => store.readStream(customerId);

describe('command HTTP API', () => {
  it('registers a customer and lists its events in version order', async () => {
    const address = email();
    const created = await call('POST', '/customers', { email: address, name: 'Ada' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ customerId: expect.any(String), version: 1 });
    expect(created.headers.get('location')).toBe(`/customers/${created.body.customerId}`);
    const history = await call('GET', `/customers/${created.body.customerId}/events`);
    expect(history.status).toBe(200);
    expect(history.body.events).toMatchObject([
      {
        aggregateId: created.body.customerId,
        eventType: 'CustomerRegistered',
        version: 1,
        payload: { email: address, name: 'Ada' },
      },
    ]);
  });

  it('keeps version order past 10 events and loads through snapshots', async () => {
    const id = await registerNew();
    for (let i = 0; i < 12; i++) {
      const r =
        i % 2 === 0
          ? await call('POST', `/customers/${id}/suspend`, { reason: `check ${i}` })
          : await call('POST', `/customers/${id}/reactivate`);
      expect(r.body).toEqual({ customerId: id, version: i + 2 });
    }
    const history = await call('GET', `/customers/${id}/events`);
    expect(history.body.events.map((e: { version: number }) => e.version)).toEqual(
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    const loaded = await store.load(id, { snapshotSchemaVersion: SNAPSHOT_SCHEMA_VERSION });
    expect(loaded.snapshot?.version).toBeGreaterThanOrEqual(10);
    expect(loaded.version).toBe(13);
    // Decisions from snapshot + tail: the last command reactivated, so suspending works.
    expect((await call('POST', `/customers/${id}/suspend`, { reason: 'again' })).body.version).toBe(
      14,
    );
  });

  it('lets exactly one of 20 concurrent updates at one expectedVersion win', async () => {
    const id = await registerNew();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call('PUT', `/customers/${id}/email`, {
          email: `n${i}-${randomUUID()}@example.com`,
          expectedVersion: 1,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const conflicts = results.filter((r) => r.status === 409);
    expect(conflicts).toHaveLength(19);
    expect(conflicts[0]?.body.error.code).toBe('VERSION_CONFLICT');
    expect((await eventsOf(id)).map((e) => e.version)).toEqual([1, 2]);
  });

  it('applies every concurrent update without expectedVersion, retrying lost races', async () => {
    const id = await registerNew();
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        call('PUT', `/customers/${id}/email`, { email: `r${i}-${randomUUID()}@example.com` }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(results.map((r) => r.body.version))).toEqual(new Set([2, 3, 4, 5]));
    expect(await eventsOf(id)).toHaveLength(5);
  });

  it('runs concurrent requests with one Idempotency-Key exactly once', async () => {
    const key = randomUUID();
    const address = email();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call('POST', '/customers', { email: address, name: 'Twin' }, { 'idempotency-key': key }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = new Set(results.map((r) => r.body.customerId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    const [id] = [...ids];
    expect(await eventsOf(id as string)).toHaveLength(1);
    // Later, the same key with another body is refused.
    const reused = await call(
      'POST',
      '/customers',
      { email: email(), name: 'Other' },
      { 'idempotency-key': key },
    );
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('gives one email to one of many concurrent registrations', async () => {
    const address = email();
    const ids = Array.from({ length: 10 }, () => `c-${randomUUID()}`);
    const results = await Promise.all(
      ids.map((customerId, i) =>
        call('POST', '/customers', {
          customerId,
          email: i % 2 ? address.toUpperCase() : address,
          name: 'X',
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const losers = results.filter((r) => r.status === 409);
    expect(losers).toHaveLength(9);
    expect(losers[0]?.body.error.code).toBe('ALREADY_CLAIMED');
    const streams = await Promise.all(ids.map(eventsOf));
    expect(streams.filter((s) => s.length > 0)).toHaveLength(1);
  });

  it('moves the email claim on update so the old email is free again', async () => {
    const first = email();
    const id = `c-${randomUUID()}`;
    await call('POST', '/customers', { customerId: id, email: first, name: 'A' });
    expect((await call('PUT', `/customers/${id}/email`, { email: email() })).status).toBe(200);
    expect((await call('POST', '/customers', { email: first, name: 'B' })).status).toBe(201);
  });

  describe('errors', () => {
    it('400 names the field and why, and writes nothing', async () => {
      const customerId = `c-${randomUUID()}`;
      const r = await call('POST', '/customers', {
        customerId,
        email: 'not-an-email',
        name: 'A',
        extra: 1,
      });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details).toEqual(
        expect.arrayContaining([
          { field: 'email', message: 'must be a valid email address' },
          { field: '(body)', message: 'unknown field(s): extra' },
        ]),
      );
      expect(await eventsOf(customerId)).toEqual([]);
    });

    it('400 for malformed JSON and for a bad path id', async () => {
      const r = await call('POST', '/customers', '{"email":');
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/not valid JSON/);
      const badId = await call('POST', `/customers/${'x'.repeat(65)}/suspend`, { reason: 'r' });
      expect(badId.status).toBe(400);
      expect(badId.body.error.details[0].field).toBe('id');
    });

    it('404 for an unknown customer, on commands and on history', async () => {
      const id = `c-${randomUUID()}`;
      const r = await call('PUT', `/customers/${id}/email`, { email: email() });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('CUSTOMER_NOT_FOUND');
      expect((await call('GET', `/customers/${id}/events`)).status).toBe(404);
      expect(await eventsOf(id)).toEqual([]);
    });

    it('409 for a stale expectedVersion', async () => {
      const id = await registerNew();
      const r = await call('POST', `/customers/${id}/suspend`, { reason: 'r', expectedVersion: 7 });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('VERSION_CONFLICT');
      expect(await eventsOf(id)).toHaveLength(1);
    });

    it('413 for a body that is too large, and nothing written', async () => {
      const customerId = `c-${randomUUID()}`;
      const r = await call('POST', '/customers', {
        customerId,
        email: email(),
        name: 'x'.repeat(100_000),
      });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await eventsOf(customerId)).toEqual([]);
    });

    it('415 for a body that is not JSON, and nothing written', async () => {
      const customerId = `c-${randomUUID()}`;
      const response = await fetch(`${server.url}/customers`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ customerId, email: email(), name: 'Plain' }),
      });
      expect(await eventsOf(customerId)).toEqual([]);
      expect(response.status).toBe(415);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('422 for a broken business rule', async () => {
      const id = await registerNew();
      const r = await call('POST', `/customers/${id}/reactivate`);
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('CUSTOMER_NOT_SUSPENDED');
      expect(await eventsOf(id)).toHaveLength(1);
    });

    it('500 with a correlation id and no internals for a real fault; 503 for a throttled store', async () => {
      const failing = new DynamoDBEventStore({
        client: tables.documentClient,
        tableName: tables.eventStoreTableName,
      });
      const app = createHttpApp({
        commands: [createCommandRoutes(new CustomerCommandService({ store: failing }))],
      });
      vi.spyOn(failing, 'load').mockRejectedValueOnce(new TypeError('secret internals at line 42'));
      const r = await app.request('/customers/c-1/suspend', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': 'trace-123' },
        body: JSON.stringify({ reason: 'r' }),
      });
      expect(r.status).toBe(500);
      const text = await r.text();
      expect(JSON.parse(text).error).toEqual({
        code: 'INTERNAL_ERROR',
        message: expect.stringContaining('trace-123'),
        correlationId: 'trace-123',
      });
      expect(text).not.toMatch(/secret|line 42|at /);

      vi.spyOn(failing, 'load').mockRejectedValueOnce(new StoreUnavailableError('throttled'));
      const busy = await app.request('/customers/c-1/suspend', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'r' }),
      });
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
    });

    it('404 with the error format for an unknown route', async () => {
      const r = await call('DELETE', '/customers');
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('ROUTE_NOT_FOUND');
    });
  });
});
