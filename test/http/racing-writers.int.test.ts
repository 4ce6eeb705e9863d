import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/ports.js';
import { type RunningHttpServer, serveHttp } from '../../src/local/http-server.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

let tables: TestTables;
let server: RunningHttpServer;

beforeAll(async () => {
  tables = await createTestTables();
  const service = new Service({
    config: readConfig({
      COMMAND_TABLE: tables.eventStoreTableName,
      QUERY_TABLE: tables.viewsTableName,
    }),
    clients: { dynamodb: tables.documentClient },
    logger: silentLogger,
  });
  // Over real HTTP: every request is its own command, racing the others on one stream.
  server = await serveHttp(service.httpApp({ commands: true }), { port: 0 });
});
afterAll(async () => {
  await server?.close();
  await tables?.dispose();
});

const send = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('racing writers on one customer', () => {
  it('20 concurrent email changes without expectedVersion all land: 21 events, versions 1 to 21', async () => {
    const registered = await send('POST', '/customers', {
      email: 'race@example.com',
      name: 'Race',
    });
    expect(registered.status).toBe(201);
    const id = registered.body.customerId as string;

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        send('PUT', `/customers/${id}/email`, { email: `race-${n}@example.com` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    // Each writer was answered with the version its own event landed at.
    expect(answers.map((a) => a.body.version).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, n) => n + 2),
    );

    const events = await tables.events.readStream(id);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 21 }, (_, n) => n + 1));
    expect(events.slice(1).every((e) => e.eventType === 'CustomerEmailUpdated')).toBe(true);
    // Every change started from the email the one before it left: no decision on stale state.
    const payloads = events.map((e) => e.payload as { oldEmail?: string; newEmail?: string });
    payloads.slice(2).forEach((payload, n) => {
      expect(payload.oldEmail).toBe(payloads[n + 1]?.newEmail);
    });
  });

  it('keeps an expectedVersion conflict an immediate 409, writing nothing', async () => {
    const registered = await send('POST', '/customers', {
      email: 'stale@example.com',
      name: 'Stale',
    });
    const id = registered.body.customerId as string;
    expect(
      (await send('PUT', `/customers/${id}/email`, { email: 'fresh@example.com' })).status,
    ).toBe(200);
    const stale = await send('PUT', `/customers/${id}/email`, {
      email: 'late@example.com',
      expectedVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: 'VERSION_CONFLICT' } });
    expect((await tables.events.readStream(id)).map((e) => e.version)).toEqual([1, 2]);
  });
});
