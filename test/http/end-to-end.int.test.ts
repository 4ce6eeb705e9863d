import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewReader } from '../../src/adapters/dynamodb/dynamodb-customer-view-reader.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { CustomerQueryService } from '../../src/app/customer/customer-queries.js';
import { createQueryRoutes } from '../../src/app/customer/query-routes.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { type RunningHttpServer, serveHttp } from '../../src/local/http-server.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { localClientConfig } from '../support/dynamodb.js';
import { requestJson } from '../support/json-requests.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';

/** The whole service as `npm start` wires it: HTTP → event store → stream → … → read model → HTTP. */
describe('end to end through the local runtime', () => {
  const config = configWithOwnTables();
  let runtime: LocalRuntime;
  let documentClient: DynamoDBDocumentClient;
  let server: RunningHttpServer;

  beforeAll(async () => {
    const dynamodb = localClientConfig(inject('dynamoEndpoint'));
    runtime = await startLocalRuntime({ config, dynamodb });
    documentClient = createDocumentClient(dynamodb);
    const store = new DynamoDBEventStore({
      client: documentClient,
      tableName: config.COMMAND_TABLE,
    });
    const reader = new DynamoDBCustomerViewReader({
      client: documentClient,
      tableName: config.QUERY_TABLE,
    });
    const app = createHttpApp({
      commands: [createCommandRoutes(new CustomerCommandService({ store }))],
      queries: [createQueryRoutes(new CustomerQueryService({ reader, minVersionWaitMs: 10_000 }))],
    });
    server = await serveHttp(app, { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await runtime?.stop();
    documentClient?.destroy();
    await dropTables(config);
  });

  const call = (method: string, path: string, body?: unknown) =>
    requestJson(`${server.url}${path}`, method, body);

  it('makes every command visible through ?minVersion= of the version it answered', async () => {
    const tag = randomUUID().slice(0, 8);
    const created = await call('POST', '/customers', {
      email: `Ada.${tag}@Example.com`,
      name: 'Ada',
    });
    expect(created.status).toBe(201);
    const id = created.body.customerId as string;

    const registered = await call('GET', `/customers/${id}?minVersion=${created.body.version}`);
    expect(registered).toMatchObject({
      status: 200,
      body: {
        customerId: id,
        email: `Ada.${tag}@Example.com`,
        name: 'Ada',
        status: 'ACTIVE',
        version: 1,
      },
    });

    const changed = await call('PUT', `/customers/${id}/email`, {
      email: `ada.${tag}@lovelace.dev`,
    });
    const suspended = await call('POST', `/customers/${id}/suspend`, { reason: 'chargeback' });
    expect([changed.body.version, suspended.body.version]).toEqual([2, 3]);
    const view = await call('GET', `/customers/${id}?minVersion=3`);
    expect(view.body).toMatchObject({
      email: `ada.${tag}@lovelace.dev`,
      status: 'SUSPENDED',
      suspensionReason: 'chargeback',
      version: 3,
      registrationDate: registered.body.registrationDate,
    });

    const found = await call('GET', `/customers/search?email=${encodeURIComponent(`ADA.${tag}@`)}`);
    expect((found.body.items as { customerId: string }[]).map((c) => c.customerId)).toEqual([id]);
    const active = await call('GET', '/customers?status=ACTIVE&limit=100');
    expect((active.body.items as { customerId: string }[]).map((c) => c.customerId)).not.toContain(
      id,
    );

    const reactivated = await call('POST', `/customers/${id}/reactivate`);
    await call('GET', `/customers/${id}?minVersion=${reactivated.body.version}`);
    const after = await call('GET', '/customers?status=ACTIVE&limit=100');
    expect((after.body.items as { customerId: string }[]).map((c) => c.customerId)).toContain(id);
    const final = await call('GET', `/customers/${id}`);
    expect(final.body).not.toHaveProperty('suspensionReason');
    expect(final.body.version).toBe(4);
  });
});
