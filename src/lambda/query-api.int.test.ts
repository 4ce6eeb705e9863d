import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { view } from '../../test/contract/customer-view-reader.contract.js';
import { apiGatewayEvent } from '../../test/support/api-gateway-events.js';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import { viewItem } from '../../test/support/view-items.js';
import type { CustomerView } from '../app/customer/customer-view-reader.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

interface Answer {
  statusCode: number;
  body: string;
  headers?: Record<string, string>;
}

const context = {
  awsRequestId: 'req-123',
  functionName: 'query-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:query-api',
  memoryLimitInMB: '256',
  logGroupName: '/aws/lambda/query-api',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const httpEvent = (path: string, query = '') => apiGatewayEvent('GET', path, { query });

let tables: TestTables;
let handler: Handler;

const invoke = async (event: unknown) => {
  const answer = (await handler(event, context)) as Answer;
  return { ...answer, json: JSON.parse(answer.body) as Record<string, unknown> };
};

const put = (v: CustomerView) =>
  tables.documentClient.send(
    new PutCommand({ TableName: tables.viewsTableName, Item: viewItem(v) }),
  );

beforeAll(async () => {
  tables = await createTestTables();
  vi.stubEnv('QUERY_TABLE', tables.viewsTableName);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', tables.endpoint);
  vi.stubEnv('AWS_REGION', 'local');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  vi.stubEnv('MIN_VERSION_WAIT_MS', '1000');
  ({ handler } = (await import('./query-api.js')) as { handler: Handler });
  for (let n = 1; n <= 25; n++) await put(view(n));
  await put(
    view(30, {
      status: 'SUSPENDED',
      suspensionReasonCode: 'CHARGEBACK',
      suspensionReason: 'chargeback',
      version: 2,
    }),
  );
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await tables.dispose();
});

describe('query Lambda, direct invocation', () => {
  it('GetCustomerById answers the view, or 404', async () => {
    const found = await invoke({ queryType: 'GetCustomerById', customerId: 'cust-30' });
    expect(found.statusCode).toBe(200);
    expect(found.json).toEqual(
      view(30, {
        status: 'SUSPENDED',
        suspensionReasonCode: 'CHARGEBACK',
        suspensionReason: 'chargeback',
        version: 2,
      }),
    );
    const missing = await invoke({ queryType: 'GetCustomerById', customerId: 'cust-99' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 'CUSTOMER_NOT_FOUND' } });
  });

  it('GetCustomerById with minVersion waits for a concurrent write, else 409', async () => {
    setTimeout(() => void put(view(2, { version: 2, name: 'Renamed' })), 150);
    const caughtUp = await invoke({
      queryType: 'GetCustomerById',
      customerId: 'cust-02',
      minVersion: 2,
    });
    expect(caughtUp.statusCode).toBe(200);
    expect(caughtUp.json).toMatchObject({ version: 2, name: 'Renamed' });

    const behind = await invoke({
      queryType: 'GetCustomerById',
      customerId: 'cust-03',
      minVersion: 5,
    });
    expect(behind.statusCode).toBe(409);
    expect(behind.json).toMatchObject({
      error: { code: 'VIEW_NOT_CAUGHT_UP', details: [{ currentVersion: 1, minVersion: 5 }] },
    });
  });

  it('GetActiveCustomers pages with a cursor', async () => {
    const first = await invoke({ queryType: 'GetActiveCustomers', limit: 20 });
    expect(first.statusCode).toBe(200);
    const page1 = first.json as { items: CustomerView[]; nextCursor: string };
    const second = await invoke({
      queryType: 'GetActiveCustomers',
      limit: 20,
      cursor: page1.nextCursor,
    });
    const page2 = second.json as { items: CustomerView[]; nextCursor?: string };
    const ids = [...page1.items, ...page2.items].map((v) => v.customerId);
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => view(i + 1).customerId));
    expect(page2.nextCursor).toBeUndefined();
  });

  it('SearchCustomersByEmail matches case-insensitively', async () => {
    const { statusCode, json } = await invoke({
      queryType: 'SearchCustomersByEmail',
      email: 'CUSTOMER3',
    });
    expect(statusCode).toBe(200);
    expect((json.items as CustomerView[]).map((v) => v.customerId)).toEqual(['cust-30']);
  });

  it('SearchCustomersByEmail finds an exact address only, or lists a domain', async () => {
    const exact = await invoke({
      queryType: 'SearchCustomersByEmail',
      email: 'customer02@example.com',
      match: 'exact',
    });
    expect(exact.statusCode).toBe(200);
    expect((exact.json.items as CustomerView[]).map((v) => v.customerId)).toEqual(['cust-02']);
    const domain = await invoke({
      queryType: 'SearchCustomersByEmail',
      domain: 'EXAMPLE.com',
      limit: 100,
    });
    expect(domain.statusCode).toBe(200);
    expect((domain.json.items as CustomerView[]).map((v) => v.customerId).sort()).toEqual(
      [...Array.from({ length: 25 }, (_, i) => view(i + 1).customerId), 'cust-30'].sort(),
    );
  });

  it('answers 400 for a bad invocation, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ queryType: 'GetActiveCustomers', limit: 0 }, 'limit'],
      [{ queryType: 'GetActiveCustomers', cursor: 'nope!' }, 'cursor'],
      [{ queryType: 'SearchCustomersByEmail' }, 'email'],
      [{ queryType: 'SearchCustomersByEmail', email: 'a', domain: 'example.com' }, 'domain'],
      [{ queryType: 'SearchCustomersByEmail', email: 'a', match: 'fuzzy' }, 'match'],
      [{ queryType: 'GetCustomerById', customerId: 'cust-01', minVersion: 0 }, 'minVersion'],
      [{ queryType: 'DropTables' }, 'queryType'],
    ];
    for (const [event, field] of cases) {
      const { statusCode, json } = await invoke(event);
      expect(statusCode, JSON.stringify(event)).toBe(400);
      const details = (json.error as { details: { field: string }[] }).details;
      expect(details.map((d) => d.field)).toContain(field);
    }
  });
});

describe('query Lambda, API Gateway HTTP API (v2) event', () => {
  it('serves GET /customers/:id', async () => {
    const answer = (await handler(httpEvent('/customers/cust-01'), context)) as Exclude<
      APIGatewayProxyResultV2,
      string
    >;
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body ?? '')).toEqual(view(1));
  });

  it('serves the search and the active listing with query strings', async () => {
    const search = await invoke(httpEvent('/customers/search', 'email=customer0&limit=5'));
    expect(search.statusCode).toBe(200);
    expect((search.json.items as CustomerView[]).map((v) => v.customerId)).toEqual([
      'cust-01',
      'cust-02',
      'cust-03',
      'cust-04',
      'cust-05',
    ]);
    const active = await invoke(httpEvent('/customers', 'status=ACTIVE&limit=100'));
    expect((active.json.items as CustomerView[]).length).toBe(25);
  });

  it('maps errors to statuses', async () => {
    expect((await invoke(httpEvent('/customers/cust-99'))).statusCode).toBe(404);
    expect((await invoke(httpEvent('/customers', 'status=ACTIVE&limit=abc'))).statusCode).toBe(400);
    expect((await invoke(httpEvent('/customers/search'))).statusCode).toBe(400);
  });
});
