import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryCustomerViewReader } from '../../src/adapters/memory/in-memory-customer-view-reader.js';
import { InMemoryEventStore } from '../../src/adapters/memory/in-memory-event-store.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { CustomerQueryService } from '../../src/app/customer/customer-queries.js';
import { createQueryRoutes } from '../../src/app/customer/query-routes.js';
import { createHttpApp } from '../../src/app/http/app.js';
import {
  CountingEventStore,
  type ErrorBody,
  expectClearRefusal,
  extraKey,
  invalidEmail,
  malformedJson,
  nonObjectJson,
  oddIdSegment,
  RUNS,
  traversalPaths,
  unicodeEdges,
  wrongType,
} from './bad-input.js';

const KNOWN = 'known-customer';
let store: CountingEventStore;
let app: ReturnType<typeof createHttpApp>;

beforeAll(async () => {
  store = new CountingEventStore(new InMemoryEventStore());
  const commands = new CustomerCommandService({ store });
  const reader = new InMemoryCustomerViewReader();
  const queries = new CustomerQueryService({ reader, minVersionWaitMs: 0 });
  app = createHttpApp({
    commands: [createCommandRoutes(commands)],
    queries: [createQueryRoutes(queries)],
  });
  await commands.execute(
    {
      type: 'RegisterCustomer',
      data: { customerId: KNOWN, email: 'known@example.com', name: 'K' },
    },
    { correlationId: 'seed' },
  );
  reader.put({
    customerId: KNOWN,
    email: 'known@example.com',
    name: 'K',
    status: 'ACTIVE',
    registrationDate: '2024-01-01T00:00:00.000Z',
    lastUpdated: '2024-01-01T00:00:00.000Z',
    version: 1,
  });
});

/** Like a browser: a lone surrogate becomes U+FFFD rather than an exception. */
const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

interface Sent {
  status: number;
  body: ErrorBody;
  fields: string[];
}

/** Sends one request and checks the invariant every bad request shares: nothing written. */
const send = async (
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Sent> => {
  const writes = store.writes;
  const response = await app.request(path, {
    method,
    ...(body === undefined ? {} : { body }),
    headers,
  });
  const text = await response.text();
  let parsed: ErrorBody = {};
  try {
    parsed = JSON.parse(text) as ErrorBody;
  } catch {
    // Left empty: the refusal check below then fails with the status in context.
  }
  const context = `${method} ${path.slice(0, 120)} ${body?.slice(0, 200) ?? ''} -> ${response.status} ${text.slice(0, 300)}`;
  expectClearRefusal(response.status, parsed, context);
  expect(store.writes, `wrote on ${context}`).toBe(writes);
  return {
    status: response.status,
    body: parsed,
    fields: (parsed.error?.details ?? []).map((d) => d.field ?? ''),
  };
};

/** Every route that takes a body, with a body it would accept. */
const bodyRoutes = [
  { method: 'POST', path: '/customers', valid: { email: 'new@example.com', name: 'New' } },
  { method: 'PUT', path: `/customers/${KNOWN}/email`, valid: { email: 'other@example.com' } },
  { method: 'POST', path: `/customers/${KNOWN}/suspend`, valid: { reasonCode: 'FRAUD' } },
] as const;

/** The suspend route's older body, still taken. */
const legacySuspend = {
  method: 'POST',
  path: `/customers/${KNOWN}/suspend`,
  valid: { reason: 'fraud' },
} as const;

/** Routes with an id in the path, with a body each would accept. */
const idRoutes = [
  {
    method: 'PUT',
    path: (id: string) => `/customers/${id}/email`,
    body: { email: 'x@example.com' },
  },
  {
    method: 'POST',
    path: (id: string) => `/customers/${id}/suspend`,
    body: { reasonCode: 'OTHER', note: 'r' },
  },
  { method: 'POST', path: (id: string) => `/customers/${id}/reactivate`, body: {} },
  { method: 'GET', path: (id: string) => `/customers/${id}/events`, body: undefined },
  { method: 'GET', path: (id: string) => `/customers/${id}`, body: undefined },
] as const;

const allBodyRoutes = [
  ...bodyRoutes,
  legacySuspend,
  { method: 'POST', path: `/customers/${KNOWN}/reactivate`, valid: {} },
] as const;

const route = fc.constantFrom(...allBodyRoutes);

describe('bad bodies at every command route', () => {
  it('refuses text that is not JSON, naming the body', async () => {
    await fc.assert(
      fc.asyncProperty(route, malformedJson, async (r, text) => {
        const { status, fields } = await send(r.method, r.path, text);
        expect(status).toBe(400);
        expect(fields).toEqual(['(body)']);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses JSON that is not an object', async () => {
    await fc.assert(
      fc.asyncProperty(route, nonObjectJson, async (r, value) => {
        const { status, fields } = await send(r.method, r.path, JSON.stringify(value));
        expect(status).toBe(400);
        expect(fields).toEqual(['(body)']);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a field of the wrong type, naming it', async () => {
    const cases = fc.constantFrom(
      ...allBodyRoutes.flatMap((r) =>
        [...Object.keys(r.valid), 'expectedVersion']
          .filter((field) => !(r.path === '/customers' && field === 'expectedVersion'))
          .map((field) => ({ ...r, field })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(cases, wrongType, async (c, value) => {
        // A whole number is a valid expectedVersion; a negative or fractional one is not.
        fc.pre(
          !(c.field === 'expectedVersion' && Number.isSafeInteger(value) && (value as number) >= 0),
        );
        const body = JSON.stringify({ ...c.valid, [c.field]: value });
        const { status, fields } = await send(c.method, c.path, body);
        expect(status).toBe(400);
        expect(fields).toContain(c.field);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a body missing a required field, naming it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes, legacySuspend), fc.nat(), async (r, n) => {
        // Without `reason`, the older suspend body is the current one lacking `reasonCode`.
        const named = (field: string) => (r === legacySuspend ? 'reasonCode' : field);
        const keys = Object.keys(r.valid);
        const missing = keys[n % keys.length] ?? '';
        const { [missing]: _gone, ...rest } = r.valid as Record<string, unknown>;
        const { status, fields } = await send(r.method, r.path, JSON.stringify(rest));
        expect(status).toBe(400);
        expect(fields).toEqual([named(missing)]);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses extra fields, naming them', async () => {
    await fc.assert(
      fc.asyncProperty(route, extraKey, fc.jsonValue({ maxDepth: 1 }), async (r, key, value) => {
        // Spelled out as text, so that `__proto__` arrives as an own field like any other.
        const rest = JSON.stringify(r.valid).slice(1, -1);
        const body = `{${JSON.stringify(key)}:${JSON.stringify(value)}${rest ? `,${rest}` : ''}}`;
        const { status, body: answer } = await send(r.method, r.path, body);
        expect(status).toBe(400);
        expect(answer.error?.message).toContain('unknown field');
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a body over 16 KB without reading it as JSON', async () => {
    await fc.assert(
      fc.asyncProperty(route, fc.integer({ min: 16 * 1024 + 1, max: 200_000 }), async (r, size) => {
        const filler = 'x'.repeat(size);
        const { status } = await send(r.method, r.path, JSON.stringify({ ...r.valid, filler }));
        expect(status).toBe(413);
      }),
      { numRuns: 20 },
    );
  });

  it('refuses strings over their limits, naming the field', async () => {
    const cases = fc.constantFrom(
      { ...bodyRoutes[0], field: 'name', min: 201 },
      { ...bodyRoutes[0], field: 'email', min: 255 },
      { ...bodyRoutes[0], field: 'customerId', min: 65 },
      { ...bodyRoutes[1], field: 'email', min: 255 },
      { ...bodyRoutes[2], field: 'note', min: 501 },
      { ...legacySuspend, field: 'reason', min: 501 },
    );
    await fc.assert(
      fc.asyncProperty(cases, fc.integer({ min: 0, max: 15_000 }), async (c, extra) => {
        const value = 'a'.repeat(c.min + (extra % (15_000 - c.min)));
        const body = JSON.stringify({ ...c.valid, [c.field]: value });
        const { status, fields } = await send(c.method, c.path, body);
        expect(status).toBe(400);
        expect(fields).toEqual([c.field]);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses invalid emails, whatever their characters, naming email', async () => {
    const emailRoutes = fc.constantFrom(bodyRoutes[0], bodyRoutes[1]);
    await fc.assert(
      fc.asyncProperty(emailRoutes, invalidEmail, async (r, email) => {
        const { status, fields } = await send(
          r.method,
          r.path,
          JSON.stringify({ ...r.valid, email }),
        );
        expect(status).toBe(400);
        expect(fields).toEqual(['email']);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a body that is not declared as JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodyRoutes),
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', ''),
        async (r, type) => {
          const headers: Record<string, string> = type ? { 'content-type': type } : {};
          const { status } = await send(r.method, r.path, JSON.stringify(r.valid), headers);
          expect(status).toBe(415);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('refuses an Idempotency-Key it could not store, naming the header', async () => {
    const badKey = fc.oneof(
      fc.constantFrom('', ' ', 'a b', 'x'.repeat(129), '../../etc', 'a/b', 'key;drop', '%00'),
      fc
        .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
        .filter((s) => !/^[A-Za-z0-9._:-]{1,128}$/.test(s) && s.trim() === s),
    );
    await fc.assert(
      fc.asyncProperty(route, badKey, async (r, key) => {
        const { status, fields } = await send(r.method, r.path, JSON.stringify(r.valid), {
          'content-type': 'application/json',
          'idempotency-key': key,
        });
        expect(status).toBe(400);
        expect(fields).toEqual(['Idempotency-Key']);
      }),
      { numRuns: 60 },
    );
  });
});

describe('odd ids at every route that takes one', () => {
  it('refuses ids no customer can have, naming the id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...idRoutes), oddIdSegment, async (r, segment) => {
        const body = r.body === undefined ? undefined : JSON.stringify(r.body);
        const { status, fields } = await send(r.method, r.path(segment), body);
        // URL parsing resolves `%2e%2e` like `..`: the request then matches another path.
        if (status !== 400) {
          expect(status).toBe(404);
          return;
        }
        expect(fields.length).toBe(1);
        expect(['id', 'customerId']).toContain(fields[0]);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers path traversal with a 4xx and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...idRoutes), traversalPaths, async (r, path) => {
        const body = r.body === undefined ? undefined : JSON.stringify(r.body);
        const suffix = r.path('ID').replace('/customers/ID', '');
        await send(r.method, `${path}${suffix}`, body);
      }),
      { numRuns: 40 },
    );
  });
});

describe('bad query strings at every query route', () => {
  const badLimit = fc.oneof(
    fc.constantFrom('0', '101', '-1', '1.5', '1e2', 'ten', '', ' 5', '0x10', '99999999999', '%00'),
    fc
      .string({ maxLength: 12 })
      .filter((s) => !/^\d{1,10}$/.test(s) || Number(s) < 1 || Number(s) > 100),
  );
  const badCursor = fc.oneof(
    fc.constantFrom('', 'garbage!', 'eyJ4IjoxfQ', 'e30', 'bnVsbA', 'x'.repeat(3000), '%ED%A0%80'),
    fc.string({ maxLength: 80 }).filter((s) => s.length > 0),
    fc
      .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 })
      .map((key) => Buffer.from(JSON.stringify(key)).toString('base64url')),
  );
  const pageRoutes = fc.constantFrom('/customers?status=ACTIVE', `/customers/search?email=k`);

  it('refuses a limit outside 1 to 100, naming limit', async () => {
    await fc.assert(
      fc.asyncProperty(pageRoutes, badLimit, async (base, limit) => {
        const { status, fields } = await send('GET', `${base}&${query({ limit })}`);
        expect(status).toBe(400);
        expect(fields).toEqual(['limit']);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a cursor it did not hand out, naming cursor', async () => {
    await fc.assert(
      fc.asyncProperty(pageRoutes, badCursor, async (base, cursor) => {
        const { status, fields } = await send('GET', `${base}&${query({ cursor })}`);
        expect(status).toBe(400);
        expect(fields).toEqual(['cursor']);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a status other than ACTIVE or SUSPENDED, naming status', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('FORGOTTEN', 'active', 'suspended', '', ...unicodeEdges),
          fc.string(),
        ),
        async (value) => {
          fc.pre(value !== 'ACTIVE' && value !== 'SUSPENDED');
          const { status, fields } = await send('GET', `/customers?${query({ status: value })}`);
          expect(status).toBe(400);
          expect(fields).toEqual(['status']);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses a bad minVersion, naming it', async () => {
    const badVersion = fc.oneof(
      fc.constantFrom('0', '-1', '1.5', 'abc', '', '99999999999', 'NaN', 'Infinity'),
      fc.string({ maxLength: 12 }).filter((s) => !/^\d{1,10}$/.test(s) || Number(s) < 1),
    );
    await fc.assert(
      fc.asyncProperty(badVersion, async (v) => {
        const { status, fields } = await send(
          'GET',
          `/customers/${KNOWN}?${query({ minVersion: v })}`,
        );
        expect(status).toBe(400);
        expect(fields).toEqual(['minVersion']);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses an empty or overlong email search, naming email', async () => {
    const badSearch = fc.oneof(
      fc.constantFrom('', ' ', '\t', '\n'),
      fc.integer({ min: 255, max: 5000 }).map((n) => 'a'.repeat(n)),
    );
    await fc.assert(
      fc.asyncProperty(badSearch, async (email) => {
        const { status, fields } = await send('GET', `/customers/search?${query({ email })}`);
        expect(status).toBe(400);
        expect(fields).toEqual(['email']);
      }),
      { numRuns: 40 },
    );
  });

  it('never fails on odd text in an email search (any prefix is a question)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...unicodeEdges), fc.string({ unit: 'binary', maxLength: 30 })),
        async (email) => {
          const writes = store.writes;
          const response = await app.request(`/customers/search?${query({ email })}`);
          expect(response.status).toBeLessThan(500);
          if (response.status === 200) {
            expect(((await response.json()) as { items: unknown[] }).items).toEqual(
              expect.any(Array),
            );
          }
          expect(store.writes).toBe(writes);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('suspension reasons', () => {
  it('refuses a reasonCode it does not know, naming reasonCode, and writes nothing', async () => {
    const codes = fc.oneof(
      fc.constantFrom('fraud', 'Fraud', 'FRAUD ', 'UNKNOWN', ''),
      fc.string({ maxLength: 20 }),
    );
    await fc.assert(
      fc.asyncProperty(codes, async (reasonCode) => {
        fc.pre(!['FRAUD', 'CHARGEBACK', 'CUSTOMER_REQUEST', 'OTHER'].includes(reasonCode));
        const body = JSON.stringify({ reasonCode, note: 'n' });
        const { status, fields } = await send('POST', `/customers/${KNOWN}/suspend`, body);
        expect(status).toBe(400);
        expect(fields).toEqual(['reasonCode']);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses the older reason mixed with the newer fields, naming reason', async () => {
    for (const body of [
      { reason: 'r', reasonCode: 'FRAUD' },
      { reason: 'r', note: 'n' },
    ]) {
      const { status, fields } = await send(
        'POST',
        `/customers/${KNOWN}/suspend`,
        JSON.stringify(body),
      );
      expect(status).toBe(400);
      expect(fields).toEqual(['reason']);
    }
  });
});
