import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { type Message, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_ENTRIES, type HandlerName } from '../../infra/bundling.js';
import type { CustomerServiceStack } from '../../infra/customer-service-stack.js';
import type { RouteSide } from '../../src/app/http/route-catalog.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/ports.js';
import { toLambdaSqsRecord } from '../../src/local/sqs-poller.js';
import { catalogCases, routeFixtures } from '../access/route-cases.js';
import { apiGatewayEvent, jwtAuthorizer } from '../support/api-gateway-events.js';
import { AwsCallRecorder } from '../support/aws-call-recorder.js';
import { type Deployment, denials, evaluateCalls, type Verdict } from './evaluate-calls.js';
import { type LocalAws, startLocalAws } from './local-aws.js';
import { type CfnTemplate, environmentOf } from './stack-policies.js';
import { deployment, stackFunctions, synthesize } from './stack-template.js';
import { insertedEvents } from './stream-records.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const recorder = new AwsCallRecorder();
const savedEnv = { ...process.env };
let local: LocalAws;
let stack: CustomerServiceStack;
let template: CfnTemplate;
let placed: Deployment & { localOf: (deployed: string) => string | undefined };
let functions: ReturnType<typeof stackFunctions>;
const handlers: Record<string, Handler> = {};
const context = {
  awsRequestId: 'req-1',
  functionName: 'function',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

/** Which function serves each side of the HTTP API (as `ServiceHttpApi` is given them). */
const SIDE_FUNCTION: Record<RouteSide, string> = {
  commands: 'CommandApi',
  queries: 'QueryApi',
  operations: 'OpsApi',
};

/**
 * The function's environment as the stack sets it, each resource it names swapped for its
 * local counterpart; a resource without one keeps its deployed name and fails loudly.
 */
const localEnvironment = (functionId: string): Record<string, string> => {
  const { NODE_OPTIONS: _, ...deployed } = environmentOf(template, functionId);
  return {
    ...Object.fromEntries(
      Object.entries(deployed).map(([name, value]) => [name, placed.localOf(value) ?? value]),
    ),
    ...QUIET,
  };
};

/** Logs and metrics off, for every function (Powertools reads them when it writes). */
const QUIET = {
  LOG_LEVEL: 'SILENT',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

/** Imports a handler with its function's environment: it reads it once, as at a cold start. */
const importHandler = async (id: string, functionId: string, instance = ''): Promise<Handler> => {
  const name = `${id.charAt(0).toLowerCase()}${id.slice(1)}` as HandlerName;
  const entry = HANDLER_ENTRIES[name];
  if (!entry) throw new Error(`No handler entry for the stack's function ${id}`);
  const environment = { ...local.clientEnvironment, ...localEnvironment(functionId) };
  const saved = { ...process.env };
  Object.assign(process.env, environment);
  try {
    const module = new URL(`../../${entry}`, import.meta.url).pathname;
    // Another instance (a query string) is another cold start: nothing cached.
    return ((await import(/* @vite-ignore */ `${module}${instance}`)) as { handler: Handler })
      .handler;
  } finally {
    process.env = saved;
  }
};

const invoke = (id: string, event: unknown) => {
  const handler = handlers[id];
  if (!handler) throw new Error(`No handler for ${id}`);
  return recorder.as(id, () => handler(event, { ...context, functionName: id }));
};

/** What EventBridge delivered to the projection queue, once every event has arrived. */
const receiveAll = async (expected: number): Promise<Message[]> => {
  const received = new Map<string, Message>();
  for (let attempt = 0; attempt < 60 && received.size < expected; attempt += 1) {
    const { Messages = [] } = await local.sqsClient.send(
      new ReceiveMessageCommand({
        QueueUrl: local.sqs.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 600,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    for (const message of Messages) received.set(String(message.MessageId), message);
  }
  return [...received.values()];
};

const verdicts = new Map<string, Verdict[]>();
const actionsOf = (id: string) => [...new Set((verdicts.get(id) ?? []).map((v) => v.action))];

beforeAll(async () => {
  local = await startLocalAws();
  recorder.attachTo(DynamoDBClient, KMSClient);
  recorder.ignore(...local.standInClients);
  ({ stack, template } = synthesize());
  placed = deployment(template, local.byOutput);
  functions = stackFunctions(stack);
  for (const { id, functionId } of functions) handlers[id] = await importHandler(id, functionId);
  Object.assign(process.env, local.clientEnvironment, QUIET);
  // The stack's custom resource, on the event store while it is still empty: it marks it.
  await invoke('ClaimsMarker', {
    RequestType: 'Create',
    ResourceProperties: { TableName: local.tables.eventStoreTableName },
  });
  // The first write of the store: the command function makes the branch key's first version.
  const first = `iam-${randomUUID()}`;
  await invoke('CommandApi', {
    commandType: 'RegisterCustomer',
    payload: { customerId: first, email: `${first}@example.com`, name: 'First' },
  });

  // Customers the routes act on, written outside any function (not recorded).
  const fixtureService = new Service({
    config: readConfig({
      COMMAND_TABLE: local.tables.eventStoreTableName,
      QUERY_TABLE: local.tables.viewsTableName,
      KMS_KEY_ID: local.kms.keyArn,
    }),
    clients: { dynamodb: local.tables.documentClient, kms: new KMSClient(local.kms.clientConfig) },
    logger: silentLogger,
  });
  const fixtures = routeFixtures(fixtureService);

  // Every command route, then more registrations so that a projector batch spans streams.
  const cases = catalogCases();
  const serve = async (side: RouteSide) => {
    for (const { route, case: routeCase } of cases.filter((entry) => entry.route.side === side)) {
      const call = await routeCase.prepare(fixtures);
      const event = apiGatewayEvent(call.method, call.path, {
        authorizer: jwtAuthorizer([route.role]),
        ...(call.query ? { query: call.query } : {}),
        ...(call.body === undefined ? {} : { body: call.body }),
      });
      const answer = (await invoke(SIDE_FUNCTION[side], event)) as { statusCode: number };
      expect({ route: `${call.method} ${route.path}`, status: answer.statusCode }).toEqual({
        route: `${call.method} ${route.path}`,
        status: routeCase.success,
      });
    }
  };
  await serve('commands');
  for (let index = 0; index < 12; index += 1) {
    const customerId = `iam-${randomUUID()}`;
    await invoke('CommandApi', {
      commandType: 'RegisterCustomer',
      payload: { customerId, email: `${customerId}@example.com`, name: 'Iam' },
    });
  }

  // The stream, as the event source mapping hands it over, through the publisher.
  const records = await insertedEvents(
    local.tables.client,
    local.tables.endpoint,
    local.tables.eventStoreTableName,
  );
  for (let start = 0; start < records.length; start += 100) {
    const response = (await invoke('Publisher', {
      Records: records.slice(start, start + 100),
    })) as { batchItemFailures: unknown[] };
    expect(response.batchItemFailures).toEqual([]);
  }
  // What the bus delivered, through the projector in batches of 10 (cold caches: KMS).
  const messages = await receiveAll(records.length);
  expect(messages).toHaveLength(records.length);
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages
      .slice(start, start + 10)
      .map((message) => toLambdaSqsRecord(message, local.sqs.queueArn, 'local'));
    const response = (await invoke('Projector', { Records: batch })) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
  }

  // A dead letter for the operations routes to list and redrive.
  await local.sqsClient.send(
    new SendMessageCommand({ QueueUrl: local.sqs.dlqUrl, MessageBody: String(messages[0]?.Body) }),
  );
  await serve('queries');
  await serve('operations');
  await invoke('Reconciler', {});
  await invoke('BranchKeyRotator', {});
  // A command function started after the rotation unwraps the new active branch key version.
  const commandApi = functions.find(({ id }) => id === 'CommandApi');
  if (commandApi) {
    handlers.CommandApi = await importHandler('CommandApi', commandApi.functionId, '?cold');
    const late = `iam-${randomUUID()}`;
    await invoke('CommandApi', {
      commandType: 'RegisterCustomer',
      payload: { customerId: late, email: `${late}@example.com`, name: 'Late' },
    });
  }

  for (const { id, roleId } of functions) {
    verdicts.set(id, await evaluateCalls(recorder.callsOf(id), roleId, placed));
  }
}, 240_000);

afterAll(async () => {
  recorder.detach();
  process.env = savedEnv;
  await local?.stop();
});

describe("every AWS call each function's code makes is allowed by its role in the stack", () => {
  it('drives every function of the stack and records its calls', () => {
    expect(functions.map(({ id }) => id).sort()).toEqual(
      [
        'BranchKeyRotator',
        'ClaimsMarker',
        'CommandApi',
        'OpsApi',
        'Projector',
        'Publisher',
        'QueryApi',
        'Reconciler',
      ].sort(),
    );
    for (const { id } of functions) expect(recorder.callsOf(id).length, id).toBeGreaterThan(0);
  });

  it('covers the calls that matter: batch reads, forgetting, cold KMS, the redrive, publishing', () => {
    expect(actionsOf('CommandApi')).toEqual(
      expect.arrayContaining([
        'kms:GenerateDataKey',
        'kms:Decrypt',
        'dynamodb:DeleteItem',
        'dynamodb:PutItem',
      ]),
    );
    expect(actionsOf('Projector')).toEqual(
      expect.arrayContaining(['dynamodb:BatchGetItem', 'kms:Decrypt', 'dynamodb:PutItem']),
    );
    expect(actionsOf('Publisher')).toEqual(['events:PutEvents']);
    expect(actionsOf('OpsApi')).toEqual(
      expect.arrayContaining([
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
        'sqs:DeleteMessage',
        'cloudwatch:GetMetricData',
      ]),
    );
    expect(actionsOf('QueryApi')).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']),
    );
    expect(actionsOf('Reconciler')).toEqual(
      expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem']),
    );
    expect(actionsOf('ClaimsMarker').sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Scan']);
    expect(actionsOf('BranchKeyRotator')).toEqual(expect.arrayContaining(['kms:GenerateDataKey']));
  });

  it('denies none of them', () => {
    expect(denials([...verdicts.values()].flat())).toEqual([]);
  });
});

describe('a permission removed from the stack is a denied call', () => {
  const projector = () => functions.find(({ id }) => id === 'Projector') ?? functions[0];
  const denialsWith = async (change: (template: CfnTemplate) => void) => {
    const changed = structuredClone(template);
    change(changed);
    const { roleId } = projector() ?? { roleId: '' };
    const evaluated = await evaluateCalls(recorder.callsOf('Projector'), roleId, {
      ...placed,
      template: changed,
    });
    return evaluated
      .filter((verdict) => verdict.result !== 'Allowed')
      .map(({ action, resource, result }) => ({ action, resource, result }));
  };
  const statementsOf = (changed: CfnTemplate, type: string) =>
    Object.values(changed.Resources)
      .filter((resource) => resource.Type === type)
      .flatMap((resource) => {
        const document = (resource.Properties?.PolicyDocument ??
          resource.Properties?.KeyPolicy) as {
          Statement: { Action: string | string[]; Principal?: unknown; Resource?: unknown }[];
        };
        return document.Statement;
      });

  it("without dynamodb:BatchGetItem in the projector's role, its batch reads are denied", async () => {
    const denied = await denialsWith((changed) => {
      for (const statement of statementsOf(changed, 'AWS::IAM::Policy')) {
        if (Array.isArray(statement.Action)) {
          statement.Action = statement.Action.filter(
            (action) => action !== 'dynamodb:BatchGetItem',
          );
        }
      }
    });
    expect(denied.length).toBeGreaterThan(0);
    expect(new Set(denied.map(({ action, result }) => `${action} ${result}`))).toEqual(
      new Set(['dynamodb:BatchGetItem ImplicitlyDenied']),
    );
  });

  it('without the projector named in the key policy, its decrypts are denied', async () => {
    const roleId = projector()?.roleId ?? '';
    const denied = await denialsWith((changed) => {
      for (const statement of statementsOf(changed, 'AWS::KMS::Key')) {
        const principal = statement.Principal as { AWS?: unknown } | undefined;
        if (Array.isArray(principal?.AWS)) {
          principal.AWS = principal.AWS.filter((entry) => !JSON.stringify(entry).includes(roleId));
        }
      }
    });
    expect(denied.length).toBeGreaterThan(0);
    expect(new Set(denied.map(({ action, result }) => `${action} ${result}`))).toEqual(
      new Set(['kms:Decrypt ImplicitlyDenied']),
    );
  });
});
