import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../src/config.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { apiGatewayEvent } from '../support/api-gateway-events.js';
import { createTestTables, localClientConfig, type TestTables } from '../support/dynamodb.js';

/**
 * The same settings, given once as environment variables, must mean the same to the
 * Lambda functions and to `npm start`'s runtime: both are built by the composition root.
 */
const SETTINGS = {
  COMMAND_RECORD_TTL_DAYS: '2',
  SNAPSHOT_EVERY: '3',
  MIN_VERSION_WAIT_MS: '400',
  LOG_LEVEL: 'SILENT',
};

type Handler = (event: unknown, context: Context) => Promise<unknown>;
interface Answer {
  status: number;
  body: Record<string, unknown>;
}
/** One side under test: a way to send a command and a query the same way on both. */
interface Side {
  command(path: string, method: string, body: unknown, key?: string): Promise<Answer>;
  query(path: string): Promise<Answer>;
  /** What the side does after answering, before its work counts as done. */
  afterAnswer(): Promise<void>;
}

let tables: TestTables;
let runtime: LocalRuntime;
const sides: Record<'lambda' | 'local', Side> = {} as never;
const context = { awsRequestId: 'req-settings', functionName: 'fn' } as Context;

const gatewayEvent = (method: string, path: string, body?: unknown, key?: string) => {
  const [rawPath = path, query = ''] = path.split('?');
  return apiGatewayEvent(method, rawPath, {
    query,
    ...(body === undefined ? {} : { body }),
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
  });
};

beforeAll(async () => {
  tables = await createTestTables();
  const env = {
    ...SETTINGS,
    COMMAND_TABLE: tables.eventStoreTableName,
    QUERY_TABLE: tables.viewsTableName,
  };
  for (const [name, value] of Object.entries({
    ...env,
    AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  })) {
    vi.stubEnv(name, value);
  }
  // The functions read their configuration at import, as at a cold start.
  const commandApi = ((await import('../../src/lambda/command-api.js')) as { handler: Handler })
    .handler;
  const queryApi = ((await import('../../src/lambda/query-api.js')) as { handler: Handler })
    .handler;
  const lambdaAnswer = async (handler: Handler, event: unknown): Promise<Answer> => {
    const answer = (await handler(event, context)) as { statusCode: number; body: string };
    return { status: answer.statusCode, body: JSON.parse(answer.body) };
  };
  sides.lambda = {
    command: (path, method, body, key) =>
      lambdaAnswer(commandApi, gatewayEvent(method, path, body, key)),
    query: (path) => lambdaAnswer(queryApi, gatewayEvent('GET', path)),
    // The handler itself waits for its snapshot: nothing is left to wait for.
    afterAnswer: async () => {},
  };

  runtime = await startLocalRuntime({
    config: readConfig(env),
    dynamodb: localClientConfig(tables.endpoint),
    // Views are not under test here: a read of a version that never comes must wait.
    handlers: { projector: async () => ({ batchItemFailures: [] }) },
  });
  const app = runtime.service.httpApp({ commands: true, queries: true });
  const localAnswer = async (response: Response): Promise<Answer> => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  });
  sides.local = {
    command: async (path, method, body, key) =>
      localAnswer(
        await app.request(path, {
          method,
          headers: {
            'content-type': 'application/json',
            ...(key ? { 'idempotency-key': key } : {}),
          },
          body: JSON.stringify(body),
        }),
      ),
    query: async (path) => localAnswer(await app.request(path)),
    // Locally a snapshot is written off the request path.
    afterAnswer: () => runtime.service.settle(),
  };
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await runtime?.stop();
  await tables?.dispose();
});

const getItem = async (PK: string, SK: string) =>
  (
    await tables.documentClient.send(
      new GetCommand({ TableName: tables.eventStoreTableName, Key: { PK, SK } }),
    )
  ).Item;

describe.each(['lambda', 'local'] as const)('settings on the %s side', (name) => {
  const customerId = `settings-${name}-${randomUUID().slice(0, 8)}`;
  const key = `key-${customerId}`;

  it('COMMAND_RECORD_TTL_DAYS sets the expiry of idempotency records', async () => {
    const side = sides[name];
    const before = Math.floor(Date.now() / 1000);
    const answer = await side.command(
      '/customers',
      'POST',
      { customerId, email: `${customerId}@example.com`, name: 'Settings' },
      key,
    );
    expect(answer).toEqual({ status: 201, body: { customerId, version: 1 } });
    const record = await getItem(`COMMAND#${key}`, 'COMMAND');
    const expiresIn = Number(record?.expiresAt) - before;
    expect(expiresIn).toBeGreaterThanOrEqual(2 * 86_400);
    expect(expiresIn).toBeLessThan(2 * 86_400 + 120);
  });

  it('SNAPSHOT_EVERY decides when a snapshot is taken; on Lambda it is written before the answer', async () => {
    const side = sides[name];
    const update = await side.command(`/customers/${customerId}/email`, 'PUT', {
      email: `${customerId}-2@example.com`,
    });
    expect(update.status).toBe(200);
    await side.afterAnswer();
    expect(await getItem(`CUSTOMER#${customerId}`, 'SNAPSHOT')).toBeUndefined();
    const reactivate = await side.command(`/customers/${customerId}/email`, 'PUT', {
      email: `${customerId}-3@example.com`,
    });
    expect(reactivate).toEqual({ status: 200, body: { customerId, version: 3 } });
    await side.afterAnswer();
    const snapshot = await getItem(`CUSTOMER#${customerId}`, 'SNAPSHOT');
    expect(snapshot).toMatchObject({ version: 3 });
  });

  it('MIN_VERSION_WAIT_MS bounds a read-your-writes wait', async () => {
    const side = sides[name];
    const answer = await side.query(`/customers/${customerId}?minVersion=99`);
    expect(answer.status).toBe(409);
    const message = String((answer.body.error as { message: string }).message);
    const waited = Number(/after waiting (\d+) ms/.exec(message)?.[1]);
    expect(waited).toBeGreaterThanOrEqual(400);
    // Far below the 3 s default: the setting, not the default, bounded the wait.
    expect(waited).toBeLessThan(3000);
  });
});
