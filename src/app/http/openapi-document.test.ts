import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  type OpenApiDocument,
  openApiRequestValidator,
  type SentRequest,
} from '../../../test/support/openapi-requests.js';
import { InMemoryCustomerViewReader } from '../../adapters/memory/in-memory-customer-view-reader.js';
import { InMemoryEventStore } from '../../adapters/memory/in-memory-event-store.js';
import { InMemoryViewStore } from '../../adapters/memory/in-memory-view-store.js';
import { createCommandRoutes } from '../customer/command-routes.js';
import { CustomerCommandService } from '../customer/customer-commands.js';
import { CustomerQueryService } from '../customer/customer-queries.js';
import { customerViewProjection } from '../customer/customer-view.js';
import { createQueryRoutes } from '../customer/query-routes.js';
import type { PipelineHealth } from '../operations/pipeline-health.js';
import { createHttpApp } from './app.js';
import { InMemoryConsoleAssets } from './console-assets.js';
import { openApiPath } from './openapi-route.js';
import { serviceRoutes } from './route-catalog.js';

const health: PipelineHealth = {
  at: '2026-01-01T00:00:00.000Z',
  source: 'in-process',
  stream: {
    lastSequenceNumber: undefined,
    lastPublishedAt: undefined,
    iteratorAgeMs: undefined,
    recordsPublished: 0,
  },
  projectionQueue: { visible: 0, inFlight: 0, delayed: 0 },
  deadLetterQueue: { visible: 0, inFlight: 0, delayed: 0 },
  activity: { intervalSeconds: 1, points: [] },
};

const fullApp = () => {
  const store = new InMemoryEventStore();
  const reader = new InMemoryCustomerViewReader();
  return createHttpApp({
    commands: [createCommandRoutes(new CustomerCommandService({ store }))],
    queries: [createQueryRoutes(new CustomerQueryService({ reader, minVersionWaitMs: 0 }))],
    operations: {
      health: { read: async () => health },
      audit: {
        events: store,
        views: { get: async () => undefined, scan: async function* () {}, storesIndexKeys: false },
      },
      deadLetters: {
        list: async () => [],
        redrive: async () => ({ moved: [], skipped: 0, failed: [] }),
      } as never,
      repair: { events: store, views: new InMemoryViewStore(), projection: customerViewProjection },
    },
    console: new InMemoryConsoleAssets(new Map([['console.js', '']])),
  });
};

/** Served, but not API: the console's pages and files, and the document itself. */
const NOT_API = [/^\/console(\/|$)/, /^\/docs$/, /^\/openapi\.json$/];

const documentOf = async (app: ReturnType<typeof fullApp>) =>
  (await (await app.request('/openapi.json')).json()) as OpenApiDocument;

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists every route the app serves, and only those', async () => {
    const app = fullApp();
    const document = await documentOf(app);
    expect(document.openapi).toBe('3.1.0');
    const served = app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${openApiPath(r.path)}`)
      .filter((route) => !NOT_API.some((p) => p.test(route.split(' ')[1] ?? '')));
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThanOrEqual(12);
    expect([...new Set(served)].sort()).toEqual([...new Set(documented)].sort());
  });

  it('holds only valid JSON Schema 2020-12, with no keyword a validator would not know', async () => {
    const document = await documentOf(fullApp());
    // Strict: an unknown keyword or format, or a malformed pattern, throws. (The suspension's
    // shapes name fields that the object around them declares, which strictRequired misreads.)
    const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false });
    // The document's schemas are referred to under `#/components`.
    ajv.addVocabulary(['components']);
    ajv.addSchema({ $id: 'urn:customer-service:document', components: document.components ?? {} });
    const schemas: object[] = [];
    const collect = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      if ('schema' in node && typeof node.schema === 'object' && node.schema !== null) {
        schemas.push(node.schema);
      }
      for (const value of Object.values(node)) collect(value);
    };
    collect(document.paths);
    expect(schemas.length).toBeGreaterThan(100);
    const anchored = (schema: object) =>
      JSON.parse(
        JSON.stringify(schema).replaceAll(
          '"#/components/',
          '"urn:customer-service:document#/components/',
        ),
      );
    for (const schema of schemas) expect(() => ajv.compile(anchored(schema))).not.toThrow();
  });

  it('is the same whichever part of the service a process serves', async () => {
    const full = await documentOf(fullApp());
    const queriesOnly = createHttpApp({
      queries: [
        createQueryRoutes(new CustomerQueryService({ reader: new InMemoryCustomerViewReader() })),
      ],
    });
    expect(await documentOf(queriesOnly)).toEqual(full);
  });

  it('keeps the request schemas’ constraints: lengths, patterns, refused extra fields', async () => {
    const document = await documentOf(fullApp());
    const register = document.paths['/customers']?.post?.requestBody?.content?.['application/json']
      ?.schema as {
      properties: Record<string, { pattern?: string; maxLength?: number }>;
      additionalProperties: boolean;
      required: string[];
    };
    expect(register.additionalProperties).toBe(false);
    expect(register.required.sort()).toEqual(['email', 'name']);
    expect(register.properties.customerId?.pattern).toBe('^[A-Za-z0-9_-]+$');
    expect(register.properties.name?.pattern).toContain('{0,198}');
    expect(register.properties.email?.pattern).toContain('@');
    // Flags are not part of a JSON Schema pattern.
    expect(JSON.stringify(document)).not.toMatch(/"pattern":"[^"]*\/[a-z]+"/);
  });

  it('names every operation once, with the role its security requirement asks for', async () => {
    const document = await documentOf(fullApp());
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    const ids = operations.map((o) => o.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path, role } of serviceRoutes()) {
      const operation = document.paths[path]?.[method];
      expect(operation?.security, `${method} ${path}`).toEqual([
        { bearer: [role] },
        { sigv4: [role] },
      ]);
    }
  });

  it('lists the answers every route gives before its handler, and writes’ own', async () => {
    const document = await documentOf(fullApp());
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const statuses = Object.keys(operation.responses ?? {});
        const where = `${method} ${path}`;
        expect(statuses, where).toEqual(expect.arrayContaining(['401', '403', '500']));
        const write = method !== 'get';
        for (const status of ['413', '415']) {
          expect(statuses.includes(status), `${where} ${status}`).toBe(write);
        }
        expect(
          operation.responses?.['403']?.description?.includes('CONSOLE_HEADER_REQUIRED'),
          where,
        ).toBe(write);
        expect(Object.keys(operation.responses?.['401']?.headers ?? {}), where).toContain(
          'WWW-Authenticate',
        );
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          const headers = response.headers ?? {};
          for (const name of ['X-Correlation-Id', 'Cache-Control', 'X-Content-Type-Options']) {
            expect(headers[name]?.required, `${where} ${status} ${name}`).toBe(true);
          }
          if (status === '503') expect(headers['Retry-After']?.required, where).toBe(true);
          if (status === '201') expect(headers.Location?.required, where).toBe(true);
        }
      }
    }
    const writes = ['post /customers', 'put /customers/{id}/email', 'delete /customers/{id}'];
    for (const write of writes) {
      const [method = '', path = ''] = write.split(' ');
      const answer = document.paths[path]?.[method]?.responses;
      const success = answer?.['200'] ?? answer?.['201'];
      expect(Object.keys(success?.headers ?? {}), write).toContain('Idempotent-Replayed');
    }
  });
});

describe('requests against the document', () => {
  const json = (body: unknown) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  /** The kinds of request the HTTP suites and the console send, each one the app accepts. */
  const accepted: SentRequest[] = [
    { method: 'POST', url: '/customers', ...json({ email: 'ada@example.com', name: 'Ada' }) },
    {
      method: 'POST',
      url: '/customers',
      ...json({ customerId: 'cust-2', email: 'b@example.com', name: 'B' }),
    },
    {
      method: 'PUT',
      url: '/customers/cust-2/email',
      ...json({ email: 'c@example.com', expectedVersion: 1 }),
    },
    {
      method: 'POST',
      url: '/customers/cust-2/suspend',
      ...json({ reasonCode: 'FRAUD', note: 'n' }),
    },
    { method: 'POST', url: '/customers/cust-2/reactivate' },
    { method: 'POST', url: '/customers/cust-2/suspend', ...json({ reason: 'legacy form' }) },
    { method: 'POST', url: '/customers/cust-2/reactivate', ...json({ expectedVersion: 5 }) },
    { method: 'GET', url: '/customers/cust-2/events' },
    { method: 'GET', url: '/customers/search?email=c%40ex&limit=5' },
    { method: 'GET', url: '/customers/search?email=c%40ex.com&match=exact' },
    { method: 'GET', url: '/customers/search?domain=%20Example.COM&limit=5' },
    { method: 'GET', url: '/customers?status=ACTIVE&limit=20' },
    { method: 'GET', url: '/ops/health' },
    { method: 'GET', url: '/ops/customers/cust-2/audit' },
    { method: 'GET', url: '/ops/dead-letters' },
    { method: 'POST', url: '/ops/dead-letters/redrive', ...json({}) },
    { method: 'POST', url: '/ops/customers/cust-2/repair' },
    { method: 'GET', url: '/customers?status=SUSPENDED' },
    // Surrounding whitespace is trimmed, by the service and in the document's patterns.
    {
      method: 'POST',
      url: '/customers',
      ...json({ email: ' pad@example.com\t', name: ' Padded ' }),
    },
    { method: 'GET', url: '/customers/search?email=%20c%40ex%20&limit=100' },
    {
      method: 'POST',
      url: '/customers',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k.1:a_b-c' },
      body: JSON.stringify({ email: 'k@example.com', name: 'K' }),
    },
    // The console's forget: typed as JSON, with no body.
    { method: 'DELETE', url: '/customers/cust-2', headers: { 'content-type': 'application/json' } },
  ];
  /** Requests the app refuses with 400, which the document must refuse too. */
  const refused: SentRequest[] = [
    { method: 'POST', url: '/customers', ...json({ email: 'a@example.com', name: 'A', extra: 1 }) },
    { method: 'POST', url: '/customers', ...json({ email: 'a@example.com' }) },
    {
      method: 'POST',
      url: '/customers',
      ...json({ email: 'a@example.com', name: 'x'.repeat(201) }),
    },
    { method: 'POST', url: '/customers/cust-2/suspend', ...json({ reasonCode: 'BORED' }) },
    {
      method: 'PUT',
      url: '/customers/cust-2/email',
      ...json({ email: 'c@example.com', expectedVersion: -1 }),
    },
    { method: 'GET', url: '/customers?limit=5' },
    { method: 'GET', url: '/customers/cust-2?minVersion=abc' },
    { method: 'GET', url: '/customers/a%20b/events' },
    { method: 'POST', url: '/ops/dead-letters/redrive', ...json({ all: true }) },
    { method: 'POST', url: '/customers', ...json({ email: 'not-an-address', name: 'A' }) },
    { method: 'POST', url: '/customers', ...json({ email: 'a b@example.com', name: 'A' }) },
    { method: 'PUT', url: '/customers/cust-2/email', ...json({ email: 'a@b' }) },
    { method: 'POST', url: '/customers', ...json({ email: 'a@example.com', name: '   ' }) },
    { method: 'POST', url: '/customers/cust-2/suspend', ...json({}) },
    { method: 'POST', url: '/customers/cust-2/suspend', ...json({ note: 'only a note' }) },
    {
      method: 'POST',
      url: '/customers/cust-2/suspend',
      ...json({ reason: 'old', reasonCode: 'FRAUD' }),
    },
    { method: 'POST', url: '/customers/cust-2/suspend', ...json({ reason: 'old', note: 'n' }) },
    { method: 'GET', url: '/customers?status=ACTIVE&limit=0' },
    { method: 'GET', url: '/customers?status=ACTIVE&limit=101' },
    { method: 'GET', url: '/customers?status=ACTIVE&limit=1.5' },
    { method: 'GET', url: '/customers/search?email=' },
    { method: 'GET', url: '/customers/search?email=%20%20' },
    { method: 'GET', url: '/customers/search?email=c&match=fuzzy' },
    { method: 'GET', url: '/customers/search?domain=not_a_domain' },
    { method: 'GET', url: '/customers/cust-2?minVersion=0' },
    {
      method: 'POST',
      url: '/customers',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'has space' },
      body: JSON.stringify({ email: 'k@example.com', name: 'K' }),
    },
  ];

  it('every request the app accepts conforms to the document', async () => {
    const app = fullApp();
    const validate = openApiRequestValidator(await documentOf(app));
    for (const request of accepted) {
      expect(validate(request), `${request.method} ${request.url}`).toEqual([]);
      const response = await app.request(request.url, {
        method: request.method,
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.body ? { body: request.body } : {}),
      });
      expect(response.status, `${request.method} ${request.url}`).toBeLessThan(400);
    }
  });

  it('every request the app refuses as invalid breaks the document too', async () => {
    const app = fullApp();
    const validate = openApiRequestValidator(await documentOf(app));
    for (const request of refused) {
      const response = await app.request(request.url, {
        method: request.method,
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.body ? { body: request.body } : {}),
      });
      expect(response.status, `${request.method} ${request.url}`).toBe(400);
      expect(validate(request), `${request.method} ${request.url}`).not.toEqual([]);
    }
  });
});
