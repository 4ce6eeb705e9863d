import { describe, expect, it } from 'vitest';
import { InMemoryCustomerViewReader } from '../../adapters/memory/in-memory-customer-view-reader.js';
import { InMemoryEventStore } from '../../adapters/memory/in-memory-event-store.js';
import { StoreUnavailableError } from '../../core/errors.js';
import { createCommandRoutes } from '../customer/command-routes.js';
import { CustomerCommandService } from '../customer/customer-commands.js';
import { CustomerQueryService } from '../customer/customer-queries.js';
import { createQueryRoutes } from '../customer/query-routes.js';
import type { Authenticate } from './access-guard.js';
import { createHttpApp } from './app.js';
import { InMemoryConsoleAssets } from './console-assets.js';

const setup = (options: { authenticate?: Authenticate } = {}) => {
  const lines: string[] = [];
  const line = (message: string, extra?: Record<string, unknown>) =>
    lines.push(
      JSON.stringify({ message, extra }, (_k, v) =>
        v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v,
      ),
    );
  const logger = { debug: line, info: line, warn: line, error: line };
  const store = new InMemoryEventStore();
  const reader = new InMemoryCustomerViewReader();
  const app = createHttpApp({
    commands: [createCommandRoutes(new CustomerCommandService({ store, logger }))],
    queries: [createQueryRoutes(new CustomerQueryService({ reader, minVersionWaitMs: 0 }))],
    console: new InMemoryConsoleAssets(new Map([['console.js', 'export {}']])),
    logger,
    ...(options.authenticate ? { authenticate: options.authenticate } : {}),
  });
  return { app, store, reader, lines };
};

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const expectPrivate = (response: Response, what: string) => {
  expect(response.headers.get('cache-control'), what).toBe('no-store');
  expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
};

describe('answers with personal data', () => {
  it('are never cached nor sniffed: successes, refusals, failures and unknown routes alike', async () => {
    const { app, store } = setup();
    const created = await app.request(
      '/customers',
      json({ email: 'ada@example.com', name: 'Ada' }),
    );
    expect(created.status).toBe(201);
    expectPrivate(created, 'registered');
    const id = ((await created.json()) as { customerId: string }).customerId;
    const answers: Array<[string, Response, number]> = [
      ['history', await app.request(`/customers/${id}/events`), 200],
      ['search', await app.request('/customers/search?email=ada'), 200],
      ['unknown customer', await app.request('/customers/nobody'), 404],
      ['bad query', await app.request('/customers?status=ACTIVE&limit=0'), 400],
      ['unknown route', await app.request('/nowhere'), 404],
      [
        'too large',
        await app.request('/customers', json({ email: 'b@example.com', name: 'x'.repeat(20_000) })),
        413,
      ],
      [
        'not JSON',
        await app.request('/customers', {
          method: 'POST',
          body: 'email=a',
          headers: { 'content-type': 'text/plain' },
        }),
        415,
      ],
      ['the document', await app.request('/openapi.json'), 200],
    ];
    store.readStream = async () => {
      throw new StoreUnavailableError('the store is throttled');
    };
    answers.push(['store unavailable', await app.request(`/customers/${id}/events`), 503]);
    for (const [what, response, status] of answers) {
      expect(response.status, what).toBe(status);
      expectPrivate(response, what);
    }
  });

  it('carry them on refusals of identity and role too', async () => {
    const nobody = setup({ authenticate: () => undefined });
    const unauthenticated = await nobody.app.request('/customers/search?email=ada');
    expect(unauthenticated.status).toBe(401);
    expectPrivate(unauthenticated, '401');
    const reader = setup({
      authenticate: () => ({ actor: { kind: 'jwt', id: 'r' }, roles: new Set(['customers:read']) }),
    });
    const forbidden = await reader.app.request('/customers/c-1', { method: 'DELETE' });
    expect(forbidden.status).toBe(403);
    expectPrivate(forbidden, '403');
  });

  it('but the console’s pages and assets keep their own caching', async () => {
    const { app } = setup();
    for (const path of ['/console', '/console/assets/console.js']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control'), path).toBe('no-cache');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('a taken email', () => {
  it('is a 409 that names the field but not the address, in the answer and the log', async () => {
    const { app, lines, store } = setup();
    const first = await app.request(
      '/customers',
      json({ customerId: 'first', email: 'Taken.Person@Example.com', name: 'A' }),
    );
    expect(first.status).toBe(201);
    const second = await app.request(
      '/customers',
      json({ customerId: 'second', email: 'taken.person@example.com', name: 'B' }),
    );
    const body = await second.text();
    expect(second.status).toBe(409);
    expect(JSON.parse(body)).toEqual({
      error: {
        code: 'ALREADY_CLAIMED',
        message: 'This email is already in use',
        details: [{ field: 'email', message: 'is already in use' }],
      },
    });
    await app.request(
      '/customers',
      json({ customerId: 'third', email: 'x@example.com', name: 'C' }),
    );
    const changed = await app.request('/customers/third/email', {
      ...json({ email: 'TAKEN.person@example.com' }),
      method: 'PUT',
    });
    expect(changed.status).toBe(409);
    const changedBody = await changed.text();
    for (const text of [body, changedBody, ...lines]) {
      expect(text.toLowerCase()).not.toContain('taken.person');
    }
    expect(lines.length).toBeGreaterThan(0);
    // Nothing was written for the refused commands.
    expect(await store.readStream('second')).toEqual([]);
    expect((await store.readStream('third')).map((e) => e.version)).toEqual([1]);
  });
});
