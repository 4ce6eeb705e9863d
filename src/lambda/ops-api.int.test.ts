import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiGatewayEvent, jwtAuthorizer } from '../../test/support/api-gateway-events.js';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import { unshardedViewItem, viewItem } from '../../test/support/view-items.js';
import { CustomerCommandService } from '../app/customer/customer-commands.js';
import { type SqsEmulator, startSqsEmulator } from '../local/sqs-emulator.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const context = {
  awsRequestId: 'req-1',
  functionName: 'ops-api',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

let tables: TestTables;
let sqs: SqsEmulator;
let handler: Handler;

const invoke = async (
  method: string,
  path: string,
  body?: unknown,
  authorizer = jwtAuthorizer(),
) => {
  const answer = (await handler(apiGatewayEvent(method, path, { body, authorizer }), context)) as {
    statusCode: number;
    body: string;
  };
  return { status: answer.statusCode, json: JSON.parse(answer.body) as Record<string, unknown> };
};

/** The operations function as the stack would configure it, on DynamoDB Local and fauxqs. */
describe('operations Lambda', () => {
  beforeAll(async () => {
    tables = await createTestTables();
    sqs = await startSqsEmulator({ region: 'local' });
    vi.stubEnv('COMMAND_TABLE', tables.eventStoreTableName);
    vi.stubEnv('QUERY_TABLE', tables.viewsTableName);
    vi.stubEnv('PROJECTION_QUEUE_URL', sqs.queueUrl);
    vi.stubEnv('PROJECTION_DLQ_URL', sqs.dlqUrl);
    vi.stubEnv('PUBLISHER_FUNCTION_NAME', 'publisher');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', tables.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqs.endpoint);
    vi.stubEnv('AWS_REGION', 'local');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('LOG_LEVEL', 'SILENT');
    ({ handler } = (await import('./ops-api.js')) as { handler: Handler });
    const commands = new CustomerCommandService({ store: tables.events });
    await commands.execute(
      {
        type: 'RegisterCustomer',
        data: { customerId: 'ops-1', email: 'o@example.com', name: 'O' },
      },
      { correlationId: 'c' },
    );
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await sqs?.stop();
    await tables?.dispose();
  });

  it('audits one customer against the event store and the read model', async () => {
    const audit = await invoke('GET', '/ops/customers/ops-1/audit');
    expect(audit.status).toBe(200);
    // Nothing projected it: the view is missing, the fold is the registration.
    expect(audit.json).toMatchObject({
      customerId: 'ops-1',
      finding: 'missing',
      streamVersion: 1,
      fold: { customerId: 'ops-1', status: 'ACTIVE', version: 1 },
    });
  });

  it('repairs a view written wrongly at its current version (ops:write), and says what it found', async () => {
    await new CustomerCommandService({ store: tables.events }).execute(
      {
        type: 'RegisterCustomer',
        data: { customerId: 'ops-2', email: 'right@example.com', name: 'R' },
      },
      { correlationId: 'c' },
    );
    const correct = {
      customerId: 'ops-2',
      email: 'right@example.com',
      name: 'R',
      status: 'ACTIVE' as const,
      registrationDate: '',
      lastUpdated: '',
      version: 1,
    };
    const [registered] = await tables.events.readStream('ops-2');
    correct.registrationDate = registered?.timestamp ?? '';
    correct.lastUpdated = registered?.timestamp ?? '';
    // Written behind the projector's back, in the first deployment's layout, at the stream's
    // version: only that layout's keys are compared.
    const wrong = unshardedViewItem({ ...correct, email: 'wrong@example.com' });
    await tables.documentClient.send(
      new PutCommand({ TableName: tables.viewsTableName, Item: wrong }),
    );
    const stored = async () =>
      (
        await tables.documentClient.send(
          new GetCommand({ TableName: tables.viewsTableName, Key: { customerId: 'ops-2' } }),
        )
      ).Item;

    const readOnly = await invoke(
      'POST',
      '/ops/customers/ops-2/repair',
      undefined,
      jwtAuthorizer(['ops:read']),
    );
    expect(readOnly.status).toBe(403);
    expect(await stored()).toEqual(wrong);

    const repaired = await invoke('POST', '/ops/customers/ops-2/repair');
    expect(repaired.status).toBe(200);
    expect(repaired.json).toEqual({
      customerId: 'ops-2',
      finding: 'different',
      fields: ['email', 'emailBucket', 'emailLower'],
      expectedVersion: 1,
      actualVersion: 1,
      rewritten: true,
    });
    expect(await stored()).toEqual(viewItem(correct));

    const again = await invoke('POST', '/ops/customers/ops-2/repair');
    expect(again.json).toMatchObject({ finding: 'ok', rewritten: false });
    expect((await invoke('POST', '/ops/customers/no%20such/repair')).status).toBe(400);
  });

  it('lists the dead letters with a diagnosis and redrives them to the projection queue', async () => {
    const client = new SQSClient(sqs.clientConfig);
    await client.send(new SendMessageCommand({ QueueUrl: sqs.dlqUrl, MessageBody: 'not json' }));
    const listed = await invoke('GET', '/ops/dead-letters');
    expect(listed.status).toBe(200);
    const letters = listed.json.deadLetters as { diagnosis: { error?: string } }[];
    expect(letters).toHaveLength(1);
    expect(letters[0]?.diagnosis.error).toEqual(expect.any(String));

    const redriven = await invoke('POST', '/ops/dead-letters/redrive', {});
    expect(redriven.status).toBe(200);
    expect((redriven.json.moved as unknown[]).length).toBe(1);
    expect(((await invoke('GET', '/ops/dead-letters')).json.deadLetters as unknown[]).length).toBe(
      0,
    );
    client.destroy();
  });

  it('serves no command or query route', async () => {
    expect((await invoke('GET', '/customers/ops-1')).status).toBe(404);
    expect((await invoke('POST', '/customers', { email: 'x@example.com', name: 'X' })).status).toBe(
      404,
    );
  });
});
