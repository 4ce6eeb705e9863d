import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tallyModule } from '../../test/support/tally-aggregate.js';
import { serviceRoutes } from '../app/http/route-catalog.js';
import { readConfig } from '../config.js';
import { silentLogger } from '../core/ports.js';
import { UnregisteredStreamTypeError } from '../core/stream-types.js';
import { AGGREGATES } from './aggregates.js';
import { Service } from './service.js';

/** Nothing here reaches DynamoDB: a request refused before any I/O is all it serves. */
const unreachable = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  }),
);

const serviceWith = (aggregates = [...AGGREGATES, tallyModule]) =>
  new Service({
    config: readConfig({ COMMAND_TABLE: 'events', QUERY_TABLE: 'views' }),
    clients: { dynamodb: unreachable },
    logger: silentLogger,
    aggregates,
  });

const post = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('Service, composed from the registered aggregates', () => {
  it('registers the Customer alone by default', () => {
    const service = new Service({
      config: readConfig({ COMMAND_TABLE: 'events', QUERY_TABLE: 'views' }),
      clients: { dynamodb: unreachable },
      logger: silentLogger,
    });
    expect(service.streamTypes.types).toEqual(['Customer']);
    expect(service.aggregate('Customer').module.streamPrefix).toBe('CUSTOMER');
  });

  it('holds a stream type per module, with its upcaster and read models', () => {
    const service = serviceWith();
    expect(service.streamTypes.types).toEqual(['Customer', 'Tally']);
    expect(service.streamTypes.get('Customer').projections.map((p) => p.name)).toEqual([
      'customer-views',
    ]);
    expect(service.streamTypes.get('Tally').projections).toEqual([]);
    const lifted = service.streamTypes.upcast({
      eventId: 'e1',
      aggregateType: 'Tally',
      aggregateId: 't1',
      eventType: 'TallyAdded',
      payload: { tens: 2 },
      timestamp: '2026-12-01T00:00:00.000Z',
      version: 1,
      metadata: { correlationId: 'c', schemaVersion: 1 },
    });
    expect(lifted.payload).toEqual({ amount: 20 });
  });

  it('refuses a type nothing is registered for, and a type registered twice', () => {
    expect(() => serviceWith().aggregate('Order')).toThrow(UnregisteredStreamTypeError);
    expect(() => serviceWith([...AGGREGATES, tallyModule, tallyModule])).toThrow(
      /"Tally" is declared by Tally twice/,
    );
    const samePrefix = { ...tallyModule, type: 'Other', streamPrefix: 'CUSTOMER' };
    expect(() => serviceWith([...AGGREGATES, samePrefix])).toThrow(
      /"CUSTOMER" is declared by Customer and Other/,
    );
  });

  it("mounts every module's command routes, each on its own command service", async () => {
    const app = serviceWith().httpApp({ commands: true });
    const tally = await app.request('/tallies', post({ label: '' }));
    expect(tally.status).toBe(400);
    expect(await tally.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ field: 'label' }] },
    });
    const customer = await app.request('/customers', post({ email: 'x' }));
    expect(customer.status).toBe(400);
    const fields = ((await customer.json()) as { error: { details: { field: string }[] } }).error
      .details;
    expect(fields.map((d) => d.field).sort()).toEqual(['email', 'name']);
  });

  it('serves no command route on the query side', async () => {
    const app = serviceWith().httpApp({ queries: true });
    expect((await app.request('/tallies', post({ label: 'a' }))).status).toBe(404);
  });

  it("lists every module's routes in the catalog, on the side that serves them", () => {
    const routes = serviceRoutes([...AGGREGATES, tallyModule]).map(
      (r) => `${r.side} ${r.method} ${r.path} ${r.role}`,
    );
    expect(routes).toContain('commands post /tallies customers:write');
    expect(routes).toContain('commands get /tallies/{id}/events customers:history');
    expect(serviceRoutes().map((r) => r.path)).not.toContain('/tallies');
  });
});
