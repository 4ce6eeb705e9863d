import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBCustomerViewReader } from '../../src/adapters/dynamodb/dynamodb-customer-view-reader.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { CustomerQueryService } from '../../src/app/customer/customer-queries.js';
import { runDirectQuery } from '../../src/app/customer/direct-queries.js';
import { createQueryRoutes } from '../../src/app/customer/query-routes.js';
import { runDirectCommand } from '../../src/app/direct-commands.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';
import {
  type ErrorBody,
  expectClearRefusal,
  invalidEmail,
  malformedJson,
  oddIdSegment,
  unicodeEdges,
  wrongType,
} from './bad-input.js';

let tables: TestTables;
let commands: CustomerCommandService;
let queries: CustomerQueryService;
let app: ReturnType<typeof createHttpApp>;

/** Every item of the event store table: events, claims, command records, snapshots. */
const itemCount = async (): Promise<number> => {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await tables.documentClient.send(
      new ScanCommand({
        TableName: tables.eventStoreTableName,
        Select: 'COUNT',
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
};

beforeAll(async () => {
  tables = await createTestTables();
  const store = tables.events;
  commands = new CustomerCommandService({ store });
  queries = new CustomerQueryService({
    reader: new DynamoDBCustomerViewReader({
      client: tables.documentClient,
      tableName: tables.viewsTableName,
    }),
    minVersionWaitMs: 0,
  });
  app = createHttpApp({
    commands: [createCommandRoutes(commands)],
    queries: [createQueryRoutes(queries)],
  });
  await commands.execute(
    { type: 'RegisterCustomer', data: { customerId: 'known', email: 'k@example.com', name: 'K' } },
    { correlationId: 'seed', commandId: 'seed-key' },
  );
});
afterAll(() => tables.dispose());

type Request =
  | { kind: 'http'; method: string; path: string; body?: string }
  | { kind: 'direct'; event: unknown };

const httpRequests = fc.oneof(
  malformedJson.map(
    (body): Request => ({ kind: 'http', method: 'POST', path: '/customers', body }),
  ),
  invalidEmail.map(
    (email): Request => ({
      kind: 'http',
      method: 'PUT',
      path: '/customers/known/email',
      body: JSON.stringify({ email }),
    }),
  ),
  wrongType.map(
    (name): Request => ({
      kind: 'http',
      method: 'POST',
      path: '/customers',
      body: JSON.stringify({ email: 'fresh@example.com', name }),
    }),
  ),
  fc
    .tuple(fc.constantFrom('suspend', 'reactivate', 'email', 'events'), oddIdSegment)
    .map(([action, id]): Request => {
      const method = action === 'email' ? 'PUT' : action === 'events' ? 'GET' : 'POST';
      const body =
        action === 'email'
          ? '{"email":"x@example.com"}'
          : action === 'suspend'
            ? '{"reason":"r"}'
            : undefined;
      return {
        kind: 'http',
        method,
        path: `/customers/${id}/${action}`,
        ...(body ? { body } : {}),
      };
    }),
  oddIdSegment.map((id): Request => ({ kind: 'http', method: 'GET', path: `/customers/${id}` })),
);

const directRequests = fc.oneof(
  invalidEmail.map(
    (email): Request => ({
      kind: 'direct',
      event: { commandType: 'RegisterCustomer', payload: { email, name: 'n' } },
    }),
  ),
  fc
    .oneof(fc.constantFrom('', '../x', '%2e%2e%2f', 'x'.repeat(65), ...unicodeEdges), wrongType)
    .map(
      (customerId): Request => ({
        kind: 'direct',
        event: { commandType: 'SuspendCustomer', payload: { customerId, reason: 'r' } },
      }),
    ),
  fc.oneof(fc.constantFrom('', '../x', ...unicodeEdges), wrongType).map(
    (customerId): Request => ({
      kind: 'direct',
      event: { queryType: 'GetCustomerById', customerId },
    }),
  ),
);

const run = async (
  request: Request,
): Promise<{ status: number; body: ErrorBody; context: string }> => {
  if (request.kind === 'http') {
    const response = await app.request(request.path, {
      method: request.method,
      headers: { 'content-type': 'application/json' },
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: JSON.parse(text) as ErrorBody,
      context: `${request.method} ${request.path.slice(0, 100)} ${request.body?.slice(0, 100)} -> ${response.status} ${text.slice(0, 200)}`,
    };
  }
  const isQuery =
    typeof request.event === 'object' && request.event !== null && 'queryType' in request.event;
  const answer = isQuery
    ? await runDirectQuery(queries, request.event, 'c')
    : await runDirectCommand(commands, request.event, 'c');
  return {
    status: answer.statusCode,
    body: JSON.parse(answer.body) as ErrorBody,
    context: `${JSON.stringify(request.event).slice(0, 200)} -> ${answer.statusCode} ${answer.body.slice(0, 200)}`,
  };
};

describe('bad input against DynamoDB Local', () => {
  it('refuses every bad request with a clear 4xx and leaves the event store table as it was', async () => {
    const before = await itemCount();
    // The seed: one event, one email claim, one command record.
    expect(before).toBe(3);
    await fc.assert(
      fc.asyncProperty(fc.oneof(httpRequests, directRequests), async (request) => {
        const { status, body, context } = await run(request);
        if (status === 404) {
          // `%2e%2e` resolves like `..`: the URL then names no route or no customer.
          expect(body.error?.code, context).toMatch(/NOT_FOUND/);
          return;
        }
        expectClearRefusal(status, body, context);
      }),
      { numRuns: 150 },
    );
    expect(await itemCount()).toBe(before);
  }, 60_000);

  it('never fails on odd text in an email search, even where DynamoDB keys are involved', async () => {
    for (const email of [...unicodeEdges, 'k\u0000', '\u0000k', '😀@']) {
      const answer = await runDirectQuery(
        queries,
        { queryType: 'SearchCustomersByEmail', email },
        'c',
      );
      expect(answer.statusCode, `${JSON.stringify(email)} -> ${answer.body}`).toBeLessThan(500);
    }
  });
});
