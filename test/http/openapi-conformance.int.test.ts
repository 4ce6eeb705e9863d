import { randomUUID } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { SqsDeadLetterQueue } from '../../src/adapters/sqs/dead-letter-queue.js';
import { SqsQueueDepth } from '../../src/adapters/sqs/sqs-queue-depth.js';
import type { Caller } from '../../src/app/access/caller.js';
import type { Authenticate } from '../../src/app/http/access-guard.js';
import type { HttpEnv } from '../../src/app/http/request.js';
import { DeadLetterOperations } from '../../src/app/operations/dead-letter-operations.js';
import { InProcessPipelineHealth } from '../../src/app/operations/in-process-pipeline-health.js';
import { ServiceActivity } from '../../src/app/operations/service-activity.js';
import { rebuildViews } from '../../src/app/rebuild.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/ports.js';
import { type SqsEmulator, startSqsEmulator } from '../../src/local/sqs-emulator.js';
import { type FaultyDynamoDB, faultyDynamoDB } from '../faults/faulty-dynamodb.js';
import { createTestTables, localClientConfig, type TestTables } from '../support/dynamodb.js';
import {
  type OpenApiDocument,
  openApiRequestValidator,
  openApiResponseChecker,
  operationFinder,
  type SentRequest,
} from '../support/openapi-requests.js';

/**
 * Replays every operation of the OpenAPI document against the service as it is composed for
 * AWS and `npm start` (DynamoDB Local, the SQS emulator), provoking each answer the document
 * lists, and checks every answer against it: a listed status, the declared headers, a body
 * that matches its schema. Requests the document calls invalid must be refused with 400, and
 * the requests the service takes must conform to the document.
 */

type As = 'open' | 'nobody' | 'roleless';
interface Exchange {
  as?: As;
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  status: number;
  /**
   * Why a 400 breaks no rule of the document: a rule across parameters (one of `email` and
   * `domain`), which OpenAPI parameters cannot state; their descriptions say it.
   */
  acrossParameters?: string;
}

/** Statuses a test cannot provoke on purpose, each with why. */
const NOT_PROVOKED: Record<string, string> = {
  500: 'an unexpected fault: nothing the API offers causes one',
  'forgetCustomer 409': 'a writer racing the forget past the retry budget',
  'repairCustomerView 409': 'projectors moving the view between every read and rewrite',
};

const NO_ROLES: Caller = { actor: { kind: 'jwt', id: 'no-roles' }, roles: new Set() };
/** A browser on another site (it sends `Origin`, and cannot add the console header). */
const FOREIGN_BROWSER = { origin: 'https://elsewhere.example' };
const LARGE = 'x'.repeat(20_000);

let tables: TestTables;
let faulty: FaultyDynamoDB;
let dynamodb: DynamoDBDocumentClient;
let sqs: SqsEmulator;
let sqsClient: SQSClient;
let service: Service;
let apps: Record<As, Hono<HttpEnv>>;
let document: OpenApiDocument;
let validateRequest: ReturnType<typeof openApiRequestValidator>;
let checkAnswer: ReturnType<typeof openApiResponseChecker>;
let findOperation: ReturnType<typeof operationFinder>;
/** `operationId` → the statuses provoked. */
const provoked = new Map<string, Set<number>>();

beforeAll(async () => {
  tables = await createTestTables();
  // One retry at most: an injected fault becomes a 503 at once.
  faulty = faultyDynamoDB({ ...localClientConfig(inject('dynamoEndpoint')), maxAttempts: 2 });
  dynamodb = createDocumentClient(faulty.config);
  sqs = await startSqsEmulator({ region: 'local' });
  sqsClient = new SQSClient(sqs.clientConfig);
  service = new Service({
    config: readConfig({
      COMMAND_TABLE: tables.eventStoreTableName,
      QUERY_TABLE: tables.viewsTableName,
      MIN_VERSION_WAIT_MS: '100',
      COMMAND_RETRY_BUDGET_MS: '0',
    }),
    clients: { dynamodb },
    logger: silentLogger,
  });
  const activity = new ServiceActivity();
  const { events, views, repair } = service.auditSources;
  const operations = {
    health: new InProcessPipelineHealth({
      activity,
      projectionQueue: new SqsQueueDepth({ client: sqsClient, queueUrl: sqs.queueUrl }),
      deadLetterQueue: new SqsQueueDepth({ client: sqsClient, queueUrl: sqs.dlqUrl }),
    }),
    audit: { events, views },
    repair,
    deadLetters: new DeadLetterOperations({
      queue: new SqsDeadLetterQueue({
        client: sqsClient,
        queueUrl: sqs.dlqUrl,
        waitTimeSeconds: 0,
      }),
      targetQueueUrl: sqs.queueUrl,
      streams: service.streamTypes,
    }),
  };
  const app = (authenticate?: Authenticate) =>
    service.httpApp(
      { commands: true, queries: true },
      { operations, activity, ...(authenticate ? { authenticate } : {}) },
    );
  apps = { open: app(), nobody: app(() => undefined), roleless: app(() => NO_ROLES) };
  document = (await (await apps.open.request('/openapi.json')).json()) as OpenApiDocument;
  validateRequest = openApiRequestValidator(document);
  checkAnswer = openApiResponseChecker(document);
  findOperation = operationFinder(document);
});
afterAll(async () => {
  await service?.settle();
  sqsClient?.destroy();
  await sqs?.stop();
  dynamodb?.destroy();
  faulty?.close();
  await tables?.dispose();
});

/** Sends one request, checks its answer against the document, and answers it. */
const send = async (exchange: Exchange) => {
  const { as = 'open', method, url, status } = exchange;
  const headers: Record<string, string> = { ...exchange.headers };
  let body: string | undefined;
  if (typeof exchange.body === 'string') body = exchange.body;
  else if (exchange.body !== undefined) {
    body = JSON.stringify(exchange.body);
    headers['content-type'] ??= 'application/json';
  }
  const request: SentRequest = { method, url, headers, ...(body === undefined ? {} : { body }) };
  const response = await apps[as].request(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  const label = `${as} ${method} ${url} → ${response.status} ${text.slice(0, 300)}`;
  expect(response.status, label).toBe(status);
  expect(
    checkAnswer(request, { status: response.status, headers: response.headers, body: text }),
    label,
  ).toEqual([]);
  // The document and the service agree on what is valid: a 400 breaks the document, and a
  // request the service takes (or refuses for another reason than its content) conforms.
  if (status === 400 && exchange.acrossParameters === undefined) {
    expect(validateRequest(request), label).not.toEqual([]);
  } else if (status !== 413 && status !== 415) expect(validateRequest(request), label).toEqual([]);
  const found = findOperation(method, new URL(url, 'http://localhost').pathname);
  const operationId = 'operation' in found ? (found.operation.operationId ?? '(none)') : '(none)';
  provoked.set(operationId, (provoked.get(operationId) ?? new Set()).add(status));
  return {
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
};

/** 401 without a caller, 403 without the role; writes also 403 from a foreign browser, 413, 415. */
const refusedAtTheEdge = async (method: string, url: string, body?: unknown) => {
  await send({ as: 'nobody', method, url, body, status: 401 });
  await send({ as: 'roleless', method, url, body, status: 403 });
  if (method === 'GET') return;
  await send({ method, url, body, headers: FOREIGN_BROWSER, status: 403 });
  await send({
    method,
    url,
    body: JSON.stringify({ padding: LARGE }),
    headers: { 'content-type': 'application/json' },
    status: 413,
  });
  await send({
    method,
    url,
    body: body === undefined ? 'x=1' : JSON.stringify(body),
    headers: {
      'content-type': 'text/plain',
      ...(body === undefined ? { ...FOREIGN_BROWSER, 'x-console-request': '1' } : {}),
    },
    status: 415,
  });
};

/** Every DynamoDB call fails for the duration of `run`. */
const withStoreDown = async (run: () => Promise<void>) => {
  faulty.plan = () => 'internal';
  try {
    await run();
  } finally {
    faulty.plan = () => undefined;
  }
};

const tag = randomUUID().slice(0, 8);
const ids = {
  active: `conf-active-${tag}`,
  suspended: `conf-suspended-${tag}`,
  forgotten: `conf-forgotten-${tag}`,
  unknown: `conf-unknown-${tag}`,
};
const emailOf = (who: string) => `${who}.${tag}@example.com`;

describe('every operation of the document, replayed against the service', () => {
  it('registers, with every answer the document lists', async () => {
    const url = '/customers';
    const key = `conf-register-${tag}`;
    const first = await send({
      method: 'POST',
      url,
      headers: { 'idempotency-key': key },
      body: { customerId: ids.active, email: emailOf('active'), name: 'Ada' },
      status: 201,
    });
    expect(first.headers.get('location')).toBe(`/customers/${ids.active}`);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const replay = await send({
      method: 'POST',
      url,
      headers: { 'idempotency-key': key },
      body: { customerId: ids.active, email: emailOf('active'), name: 'Ada' },
      status: 201,
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // Surrounding whitespace is trimmed, as the document's patterns allow.
    for (const [id, who] of [
      [ids.suspended, 'suspended'],
      [ids.forgotten, 'forgotten'],
    ] as const) {
      await send({
        method: 'POST',
        url,
        body: { customerId: id, email: ` ${emailOf(who)}\t`, name: ' Bo ' },
        status: 201,
      });
    }
    await send({ method: 'POST', url, body: { email: 'not-an-address', name: 'A' }, status: 400 });
    await send({ method: 'POST', url, body: { email: emailOf('x'), name: '  ' }, status: 400 });
    await send({
      method: 'POST',
      url,
      body: { email: emailOf('x'), name: 'A', extra: 1 },
      status: 400,
    });
    await send({
      method: 'POST',
      url,
      headers: { 'idempotency-key': 'a b' },
      body: { email: emailOf('x'), name: 'A' },
      status: 400,
    });
    const taken = await send({
      method: 'POST',
      url,
      body: { email: emailOf('active').toUpperCase(), name: 'A' },
      status: 409,
    });
    expect(JSON.stringify(taken.body).toLowerCase()).not.toContain(emailOf('active'));
    await send({
      method: 'POST',
      url,
      body: { customerId: ids.active, email: emailOf('again'), name: 'A' },
      status: 422,
    });
    await send({
      method: 'POST',
      url,
      headers: { 'idempotency-key': key },
      body: { email: emailOf('other'), name: 'A' },
      status: 422,
    });
    await refusedAtTheEdge('POST', url, { email: emailOf('edge'), name: 'A' });
    await withStoreDown(() =>
      send({ method: 'POST', url, body: { email: emailOf('down'), name: 'A' }, status: 503 }).then(
        () => {},
      ),
    );
  });

  it('changes emails, suspends and reactivates, with every answer the document lists', async () => {
    const email = (id: string) => `/customers/${id}/email`;
    const suspend = (id: string) => `/customers/${id}/suspend`;
    const reactivate = (id: string) => `/customers/${id}/reactivate`;
    await send({
      method: 'PUT',
      url: email(ids.active),
      body: { email: emailOf('active2'), expectedVersion: 1 },
      status: 200,
    });
    await send({ method: 'PUT', url: email(ids.active), body: { email: 'a@b' }, status: 400 });
    await send({
      method: 'PUT',
      url: email(ids.unknown),
      body: { email: emailOf('u') },
      status: 404,
    });
    await send({
      method: 'PUT',
      url: email(ids.active),
      body: { email: emailOf('suspended') },
      status: 409,
    });
    await send({
      method: 'PUT',
      url: email(ids.active),
      body: { email: emailOf('v'), expectedVersion: 1 },
      status: 409,
    });

    await send({
      method: 'POST',
      url: suspend(ids.suspended),
      body: { reasonCode: 'FRAUD', note: ' checked ' },
      status: 200,
    });
    await send({ method: 'POST', url: suspend(ids.suspended), body: {}, status: 400 });
    await send({
      method: 'POST',
      url: suspend(ids.suspended),
      body: { note: 'only a note' },
      status: 400,
    });
    await send({
      method: 'POST',
      url: suspend(ids.suspended),
      body: { reason: 'old', reasonCode: 'FRAUD' },
      status: 400,
    });
    await send({
      method: 'POST',
      url: suspend(ids.suspended),
      body: { reason: 'the older form' },
      status: 422,
    });
    await send({
      method: 'POST',
      url: suspend(ids.unknown),
      body: { reasonCode: 'OTHER' },
      status: 404,
    });
    await send({
      method: 'POST',
      url: suspend(ids.active),
      body: { reasonCode: 'OTHER', expectedVersion: 1 },
      status: 409,
    });
    await send({
      method: 'PUT',
      url: email(ids.suspended),
      body: { email: emailOf('s2') },
      status: 422,
    });

    await send({ method: 'POST', url: reactivate(ids.active), status: 422 });
    await send({
      method: 'POST',
      url: reactivate(ids.suspended),
      body: { expectedVersion: -1 },
      status: 400,
    });
    await send({
      method: 'POST',
      url: reactivate(ids.suspended),
      body: { expectedVersion: 1 },
      status: 409,
    });
    await send({ method: 'POST', url: reactivate(ids.unknown), status: 404 });
    await send({
      method: 'POST',
      url: reactivate(ids.suspended),
      body: { expectedVersion: 2 },
      status: 200,
    });
    await send({
      method: 'POST',
      url: suspend(ids.suspended),
      body: { reason: 'the older form' },
      status: 200,
    });

    await refusedAtTheEdge('PUT', email(ids.active), { email: emailOf('edge') });
    await refusedAtTheEdge('POST', suspend(ids.active), { reasonCode: 'OTHER' });
    await refusedAtTheEdge('POST', reactivate(ids.suspended));
    await withStoreDown(async () => {
      await send({
        method: 'PUT',
        url: email(ids.active),
        body: { email: emailOf('down') },
        status: 503,
      });
      await send({
        method: 'POST',
        url: suspend(ids.active),
        body: { reasonCode: 'OTHER' },
        status: 503,
      });
      await send({ method: 'POST', url: reactivate(ids.suspended), status: 503 });
    });
  });

  it('forgets, and refuses every later command with 410', async () => {
    const url = `/customers/${ids.forgotten}`;
    const key = `conf-forget-${tag}`;
    await send({ method: 'DELETE', url, headers: { 'idempotency-key': key }, status: 200 });
    await send({ method: 'DELETE', url, status: 200 });
    await send({ method: 'DELETE', url: `/customers/${ids.unknown}`, status: 404 });
    await send({ method: 'DELETE', url: '/customers/a%20b', status: 400 });
    await send({
      method: 'DELETE',
      url: `/customers/${ids.active}`,
      headers: { 'idempotency-key': `conf-register-${tag}` },
      status: 422,
    });
    await refusedAtTheEdge('DELETE', `/customers/${ids.unknown}`);
    await withStoreDown(() => send({ method: 'DELETE', url, status: 503 }).then(() => {}));

    await send({
      method: 'POST',
      url: '/customers',
      body: { customerId: ids.forgotten, email: emailOf('f2'), name: 'F' },
      status: 410,
    });
    await send({ method: 'PUT', url: `${url}/email`, body: { email: emailOf('f3') }, status: 410 });
    await send({
      method: 'POST',
      url: `${url}/suspend`,
      body: { reasonCode: 'OTHER' },
      status: 410,
    });
    await send({ method: 'POST', url: `${url}/reactivate`, status: 410 });
  });

  it('reads the history, with every answer the document lists', async () => {
    await send({ method: 'GET', url: `/customers/${ids.active}/events`, status: 200 });
    await send({ method: 'GET', url: `/customers/${ids.forgotten}/events`, status: 200 });
    await send({ method: 'GET', url: `/customers/${ids.unknown}/events`, status: 404 });
    await send({ method: 'GET', url: '/customers/a%20b/events', status: 400 });
    await refusedAtTheEdge('GET', `/customers/${ids.active}/events`);
    await withStoreDown(() =>
      send({ method: 'GET', url: `/customers/${ids.active}/events`, status: 503 }).then(() => {}),
    );
  });

  it('reads the read model, with every answer the document lists', async () => {
    const report = await rebuildViews({ ...service.rebuildSources });
    expect(report.failed).toBe(0);
    const one = `/customers/${ids.active}`;
    const view = await send({ method: 'GET', url: one, status: 200 });
    expect(view.body).toMatchObject({
      customerId: ids.active,
      email: emailOf('active2'),
      version: 2,
    });
    await send({ method: 'GET', url: `${one}?minVersion=2`, status: 200 });
    await send({ method: 'GET', url: `${one}?minVersion=3`, status: 409 });
    await send({ method: 'GET', url: `${one}?minVersion=0`, status: 400 });
    await send({ method: 'GET', url: `${one}?minVersion=1.5`, status: 400 });
    await send({ method: 'GET', url: `/customers/${ids.unknown}`, status: 404 });
    await send({ method: 'GET', url: `/customers/${ids.forgotten}`, status: 410 });
    await refusedAtTheEdge('GET', one);

    const listed = await send({
      method: 'GET',
      url: '/customers?status=SUSPENDED&limit=100',
      status: 200,
    });
    expect((listed.body.items as { customerId: string }[]).map((i) => i.customerId)).toContain(
      ids.suspended,
    );
    await send({ method: 'GET', url: '/customers?status=ACTIVE&limit=1', status: 200 });
    for (const query of [
      'status=ACTIVE&limit=0',
      'status=ACTIVE&limit=101',
      'status=GONE',
      'limit=5',
    ]) {
      await send({ method: 'GET', url: `/customers?${query}`, status: 400 });
    }
    await refusedAtTheEdge('GET', '/customers?status=ACTIVE');

    const search = `/customers/search?email=${encodeURIComponent(` active2.${tag} `)}`;
    const found = await send({ method: 'GET', url: search, status: 200 });
    expect((found.body.items as { customerId: string }[]).map((i) => i.customerId)).toEqual([
      ids.active,
    ]);
    for (const email of ['', '%20%20', encodeURIComponent('x'.repeat(255))]) {
      await send({ method: 'GET', url: `/customers/search?email=${email}`, status: 400 });
    }
    const eitherField = 'one of email and domain';
    await send({
      method: 'GET',
      url: '/customers/search',
      status: 400,
      acrossParameters: eitherField,
    });
    await send({
      method: 'GET',
      url: '/customers/search?email=a&domain=example.com',
      status: 400,
      acrossParameters: eitherField,
    });
    const exact = await send({
      method: 'GET',
      url: `/customers/search?email=active2.${tag}%40example.com&match=exact`,
      status: 200,
    });
    expect(Array.isArray(exact.body.items)).toBe(true);
    const domain = await send({
      method: 'GET',
      url: '/customers/search?domain=example.com&limit=1',
      status: 200,
    });
    expect(Array.isArray(domain.body.items)).toBe(true);
    for (const query of ['domain=not_a_domain', 'email=a&match=fuzzy']) {
      await send({ method: 'GET', url: `/customers/search?${query}`, status: 400 });
    }
    await refusedAtTheEdge('GET', search);

    await withStoreDown(async () => {
      await send({ method: 'GET', url: one, status: 503 });
      await send({ method: 'GET', url: '/customers?status=ACTIVE', status: 503 });
      await send({ method: 'GET', url: search, status: 503 });
    });
  });

  it('answers the operations routes, with every answer the document lists', async () => {
    await send({ method: 'GET', url: '/ops/health', status: 200 });
    const renamed = await send({
      method: 'GET',
      url: '/ops/health',
      headers: { 'x-correlation-id': 'not a token' },
      status: 200,
    });
    expect(renamed.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    await refusedAtTheEdge('GET', '/ops/health');

    const audit = `/ops/customers/${ids.active}/audit`;
    const compared = await send({ method: 'GET', url: audit, status: 200 });
    expect(compared.body.finding).toBe('ok');
    await send({ method: 'GET', url: '/ops/customers/a%20b/audit', status: 400 });
    await refusedAtTheEdge('GET', audit);

    // A dead letter naming a stream, so listing it reads the store.
    const detail = {
      thin: true,
      aggregateId: ids.active,
      version: 2,
      eventType: 'CustomerEmailUpdated',
      eventId: randomUUID(),
    };
    await sqsClient.send(
      new SendMessageCommand({
        QueueUrl: sqs.dlqUrl,
        MessageBody: JSON.stringify({
          'detail-type': detail.eventType,
          source: 'customer-service',
          detail,
        }),
      }),
    );
    const letters = await send({ method: 'GET', url: '/ops/dead-letters', status: 200 });
    expect(letters.body.deadLetters).toHaveLength(1);
    await refusedAtTheEdge('GET', '/ops/dead-letters');
    await withStoreDown(async () => {
      await send({ method: 'GET', url: audit, status: 503 });
      await send({ method: 'GET', url: '/ops/dead-letters', status: 503 });
    });

    const repair = `/ops/customers/${ids.active}/repair`;
    const repaired = await send({ method: 'POST', url: repair, status: 200 });
    expect(repaired.body).toMatchObject({
      customerId: ids.active,
      finding: 'ok',
      rewritten: false,
    });
    await send({ method: 'POST', url: '/ops/customers/a%20b/repair', status: 400 });
    await refusedAtTheEdge('POST', repair);
    await withStoreDown(async () => {
      await send({ method: 'POST', url: repair, status: 503 });
    });

    const redrive = '/ops/dead-letters/redrive';
    await send({ method: 'POST', url: redrive, body: { all: true }, status: 400 });
    await send({ method: 'POST', url: redrive, body: { messageId: '' }, status: 400 });
    await refusedAtTheEdge('POST', redrive, {});
    const moved = await send({ method: 'POST', url: redrive, body: {}, status: 200 });
    expect(moved.body.moved).toHaveLength(1);
  });

  it('provoked every status the document lists, but those no request can cause', () => {
    const missing: string[] = [];
    for (const item of Object.values(document.paths)) {
      for (const operation of Object.values(item)) {
        const id = operation.operationId ?? '(none)';
        for (const status of Object.keys(operation.responses ?? {})) {
          if (provoked.get(id)?.has(Number(status))) continue;
          if (NOT_PROVOKED[status] || NOT_PROVOKED[`${id} ${status}`]) continue;
          missing.push(`${id} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(provoked.size).toBe(
      Object.values(document.paths).flatMap((item) => Object.values(item)).length,
    );
  });
});

describe('the response check', () => {
  it('fails an answer whose status the document does not list', async () => {
    const trimmed = structuredClone(document);
    const suspend = trimmed.paths['/customers/{id}/suspend']?.post;
    delete suspend?.responses?.['403'];
    const check = openApiResponseChecker(trimmed);
    const request = { method: 'POST', url: `/customers/${ids.active}/suspend` };
    const response = await apps.roleless.request(request.url, { method: 'POST' });
    expect(response.status).toBe(403);
    expect(
      check(request, { status: 403, headers: response.headers, body: await response.text() }),
    ).toEqual(['POST /customers/{id}/suspend → 403: status not documented']);
  });

  it('fails an answer without a required header or with a body off its schema', () => {
    const request = { method: 'GET', url: `/customers/${ids.active}` };
    const headers = new Headers({
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    expect(
      checkAnswer(request, { status: 200, headers, body: JSON.stringify({ customerId: 1 }) }),
    ).toEqual(
      expect.arrayContaining([
        'GET /customers/{id} → 200: header X-Correlation-Id missing',
        'GET /customers/{id} → 200: header X-Content-Type-Options missing',
        expect.stringMatching(/^GET \/customers\/\{id\} → 200: body/),
      ]),
    );
  });
});
