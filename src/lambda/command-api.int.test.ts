import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayEvent } from '../../test/support/api-gateway-events.js';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import type { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';

let tables: TestTables;
let handler: (event: unknown, context: Context) => Promise<unknown>;
let store: DynamoDBEventStore;
const savedEnv = { ...process.env };
const context = { awsRequestId: 'req-1', functionName: 'command-api' } as Context;

beforeAll(async () => {
  tables = await createTestTables();
  // The entry point reads its configuration once, at import, like a Lambda cold start.
  Object.assign(process.env, {
    COMMAND_TABLE: tables.eventStoreTableName,
    AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    LOG_LEVEL: 'SILENT',
    // The EMF lines would go to stdout; the metrics themselves are tested on the port.
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  ({ handler } = (await import('./command-api.js')) as unknown as { handler: typeof handler });
  store = tables.events;
});
afterAll(async () => {
  process.env = savedEnv;
  await tables?.dispose();
});

const direct = async (event: unknown) => {
  const answer = (await handler(event, context)) as { statusCode: number; body: string };
  return { statusCode: answer.statusCode, body: JSON.parse(answer.body) };
};

describe('command Lambda', () => {
  it('runs the original direct invocations end to end', async () => {
    const customerId = `c-${randomUUID()}`;
    const email = `${randomUUID()}@example.com`;
    expect(
      await direct({
        commandType: 'RegisterCustomer',
        payload: { customerId, email, name: 'Ada' },
      }),
    ).toEqual({
      statusCode: 201,
      body: { customerId, version: 1 },
    });
    expect(
      await direct({
        commandType: 'UpdateEmail',
        payload: { customerId, newEmail: `n-${email}`, expectedVersion: 1 },
      }),
    ).toEqual({ statusCode: 200, body: { customerId, version: 2 } });
    expect(
      await direct({
        commandType: 'SuspendCustomer',
        payload: { customerId, reason: 'chargeback' },
      }),
    ).toEqual({
      statusCode: 200,
      body: { customerId, version: 3 },
    });
    expect(await direct({ commandType: 'ReactivateCustomer', payload: { customerId } })).toEqual({
      statusCode: 200,
      body: { customerId, version: 4 },
    });
    expect((await store.readStream(customerId)).map((e) => e.eventType)).toEqual([
      'CustomerRegistered',
      'CustomerEmailUpdated',
      'CustomerSuspended',
      'CustomerReactivated',
    ]);
  });

  it('answers errors of a direct invocation with the same codes as HTTP, writing nothing', async () => {
    const customerId = `c-${randomUUID()}`;
    const bad = await direct({
      commandType: 'RegisterCustomer',
      payload: { customerId, email: 'x', name: 'A' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body.error.details).toEqual([
      { field: 'data.email', message: 'must be a valid email address' },
    ]);
    const unknownType = await direct({ commandType: 'DeleteCustomer', payload: {} });
    expect(unknownType.statusCode).toBe(400);
    expect(unknownType.body.error.details[0].field).toBe('commandType');
    const missing = await direct({
      commandType: 'SuspendCustomer',
      payload: { customerId, reason: 'r' },
    });
    expect(missing.statusCode).toBe(404);
    expect(await store.readStream(customerId)).toEqual([]);
  });

  it('serves API Gateway HTTP API (v2) events, recording the IAM caller as the actor', async () => {
    const customerId = `c-${randomUUID()}`;
    const event = {
      version: '2.0',
      routeKey: 'POST /customers',
      rawPath: '/customers',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', 'idempotency-key': `k-${customerId}` },
      requestContext: {
        accountId: '123456789012',
        apiId: 'api',
        domainName: 'example.com',
        domainPrefix: 'example',
        http: {
          method: 'POST',
          path: '/customers',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'test',
        },
        requestId: 'r1',
        routeKey: 'POST /customers',
        stage: '$default',
        time: '27/Nov/2026:10:00:00 +0000',
        timeEpoch: 0,
        authorizer: {
          iam: {
            accountId: '123456789012',
            callerId: 'AROAEXAMPLE:writer',
            userArn: 'arn:aws:sts::123456789012:assumed-role/CustomerWriter/writer',
          },
        },
      },
      body: JSON.stringify({ customerId, email: `${randomUUID()}@example.com`, name: 'Gw' }),
      isBase64Encoded: false,
    };
    const answer = (await handler(event, context)) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(201);
    expect(JSON.parse(answer.body)).toEqual({ customerId, version: 1 });
    const again = (await handler(event, context)) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const events = await store.readStream(customerId);
    expect(events).toHaveLength(1);
    expect(events[0]?.metadata.actor).toEqual({
      kind: 'iam',
      id: 'arn:aws:sts::123456789012:assumed-role/CustomerWriter/writer',
    });
  });

  it('refuses an API Gateway event that passed no authoriser, writing nothing', async () => {
    const customerId = `c-${randomUUID()}`;
    const event = apiGatewayEvent('POST', '/customers', {
      body: { customerId, email: `${randomUUID()}@example.com`, name: 'Gw' },
      authorizer: undefined,
    });
    const answer = (await handler(event, context)) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body).error.code).toBe('UNAUTHENTICATED');
    expect(await store.readStream(customerId)).toEqual([]);
  });
});
