import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROLES, type Role } from '../../src/app/access/roles.js';
import type { RouteSide } from '../../src/app/http/route-catalog.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/ports.js';
import { type SqsEmulator, startSqsEmulator } from '../../src/local/sqs-emulator.js';
import {
  apiGatewayEvent,
  jwtAuthorizer,
  type TestAuthorizer,
} from '../support/api-gateway-events.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';
import { catalogCases, type RouteCall, routeFixtures, uncoveredRoutes } from './route-cases.js';
import { tableItems } from './table-items.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

let tables: TestTables;
let sqs: SqsEmulator;
/** CloudWatch for the health route: it answers GetMetricData with no data points. */
let cloudWatch: Server;
let service: Service;
const handlers = {} as Record<RouteSide, Handler>;
const context = {
  awsRequestId: 'req-1',
  functionName: 'api',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const invoke = async (side: RouteSide, call: RouteCall, authorizer: TestAuthorizer) => {
  const event = apiGatewayEvent(call.method, call.path, {
    authorizer,
    ...(call.query ? { query: call.query } : {}),
    ...(call.body === undefined ? {} : { body: call.body }),
  });
  const answer = (await handlers[side](event, context)) as { statusCode: number; body: string };
  return {
    status: answer.statusCode,
    json: JSON.parse(answer.body) as { error?: { code: string; message: string } } & Record<
      string,
      unknown
    >,
  };
};

const items = () =>
  tableItems(tables.documentClient, [tables.eventStoreTableName, tables.viewsTableName]);

/** The three HTTP functions as the stack configures them, on DynamoDB Local and fauxqs. */
beforeAll(async () => {
  tables = await createTestTables();
  sqs = await startSqsEmulator({ region: 'local' });
  cloudWatch = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ MetricDataResults: [], Messages: [] }));
    });
  });
  await new Promise<void>((resolve) => cloudWatch.listen(0, '127.0.0.1', resolve));
  const env = {
    COMMAND_TABLE: tables.eventStoreTableName,
    QUERY_TABLE: tables.viewsTableName,
    PROJECTION_QUEUE_URL: sqs.queueUrl,
    PROJECTION_DLQ_URL: sqs.dlqUrl,
    PUBLISHER_FUNCTION_NAME: 'publisher',
    AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: `http://127.0.0.1:${(cloudWatch.address() as AddressInfo).port}`,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  // Each entry point reads its configuration once, at import, like a Lambda cold start.
  handlers.commands = (
    (await import('../../src/lambda/command-api.js')) as { handler: Handler }
  ).handler;
  handlers.queries = (
    (await import('../../src/lambda/query-api.js')) as { handler: Handler }
  ).handler;
  handlers.operations = (
    (await import('../../src/lambda/ops-api.js')) as { handler: Handler }
  ).handler;
  service = new Service({
    config: readConfig(env),
    clients: { dynamodb: tables.documentClient },
    logger: silentLogger,
  });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => cloudWatch?.close(resolve));
  await sqs?.stop();
  await tables?.dispose();
});

describe('the HTTP functions check every route for its role (API Gateway JWT claims)', () => {
  it('has a request for every route of the catalog', () => {
    expect(uncoveredRoutes()).toEqual({ withoutCase: [], withoutRoute: [] });
  });

  for (const { route, name, case: routeCase } of catalogCases()) {
    it(name, async () => {
      const call = await routeCase.prepare(routeFixtures(service));
      const caller = { sub: `user-of-${route.role}`, client_id: 'access-tests' };

      const before = await items();
      const anonymous = await invoke(route.side, call, undefined);
      expect(anonymous.status).toBe(401);
      expect(anonymous.json.error?.code).toBe('UNAUTHENTICATED');
      const others = ROLES.filter((role) => role !== route.role);
      const refused = await invoke(route.side, call, jwtAuthorizer(others, caller));
      expect(refused.status).toBe(403);
      expect(refused.json.error).toMatchObject({
        code: 'MISSING_ROLE',
        message: expect.stringContaining(`"${route.role}"`),
      });
      // An ID token (Cognito marks it) grants nothing, whatever scopes it claims.
      const idToken = await invoke(
        route.side,
        call,
        jwtAuthorizer(ROLES, { ...caller, token_use: 'id' }),
      );
      expect(idToken.status).toBe(403);
      expect(await items()).toEqual(before);

      const served = await invoke(route.side, call, jwtAuthorizer([route.role], caller));
      expect({ status: served.status, body: served.json }).toMatchObject({
        status: routeCase.success,
      });

      if (route.side === 'commands' && route.method !== 'get') {
        // The event the command wrote names who asked for it.
        const customerId = String(served.json.customerId);
        const stream = await tables.events.readStream(customerId);
        expect(stream.at(-1)?.metadata.actor).toEqual({
          kind: 'jwt',
          id: caller.sub,
          clientId: caller.client_id,
        });
      }
    });
  }

  it('names the role in a 403 for each side, and a token with several roles is served', async () => {
    const fixtures = routeFixtures(service);
    const roles: Role[] = ['customers:read', 'customers:history'];
    const history = await invoke(
      'commands',
      { method: 'GET', path: `/customers/${await fixtures.registered()}/events` },
      jwtAuthorizer(roles),
    );
    expect(history.status).toBe(200);
    const erase = await invoke(
      'commands',
      { method: 'DELETE', path: `/customers/${await fixtures.registered()}` },
      jwtAuthorizer(roles),
    );
    expect(erase.json.error?.message).toBe('This route needs the role "customers:erase"');
  });
});
