import { describe, expect, it } from 'vitest';
import { InMemoryCustomerViewReader } from '../../adapters/memory/in-memory-customer-view-reader.js';
import { InMemoryEventStore } from '../../adapters/memory/in-memory-event-store.js';
import { createCommandRoutes } from '../customer/command-routes.js';
import { CustomerCommandService } from '../customer/customer-commands.js';
import { CustomerQueryService } from '../customer/customer-queries.js';
import { createQueryRoutes } from '../customer/query-routes.js';
import { createHttpApp } from './app.js';
import { InMemoryConsoleAssets } from './console-assets.js';

const setup = () => {
  const store = new InMemoryEventStore();
  const app = createHttpApp({
    commands: [createCommandRoutes(new CustomerCommandService({ store }))],
    queries: [
      createQueryRoutes(new CustomerQueryService({ reader: new InMemoryCustomerViewReader() })),
    ],
    console: new InMemoryConsoleAssets(
      new Map([
        ['console.js', 'console.log(1)'],
        ['console.css', 'body{}'],
      ]),
    ),
  });
  return { app, store };
};

describe('console pages', () => {
  it.each(['/console', '/console/dlq', '/console/customers/cust-1', '/docs'])(
    '%s is a shell that runs only bundled files, under a CSP without inline scripts',
    async (path) => {
      const response = await setup().app.request(path);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      const html = await response.text();
      // Every script has a src on this origin; no inline handlers or styles.
      expect(html.match(/<script[^>]*>/g)).toEqual([
        expect.stringMatching(/src="\/console\/assets\/[a-z]+\.js"/),
      ]);
      expect(html).not.toMatch(/<script[^>]*>[^<]+<\/script>/);
      expect(html).not.toMatch(/\son[a-z]+=|style=/i);
    },
  );

  it('serves the bundle with its type and the same CSP, and 404 for anything else', async () => {
    const { app } = setup();
    const script = await app.request('/console/assets/console.js');
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await script.text()).toBe('console.log(1)');
    expect((await app.request('/console/assets/..%2Fsecret.js')).status).toBe(404);
    expect((await app.request('/console/assets/other.js')).status).toBe(404);
  });
});

describe('browser writes', () => {
  const register = (
    app: ReturnType<typeof setup>['app'],
    headers: Record<string, string>,
    customerId: string,
  ) =>
    app.request('/customers', {
      method: 'POST',
      headers,
      body: JSON.stringify({ customerId, email: `${customerId}@example.com`, name: 'A' }),
    });
  const eventTypes = async (store: InMemoryEventStore, id: string) =>
    (await store.readStream(id)).map((e) => e.eventType);

  it('refuses a cross-site form post: 403, nothing written', async () => {
    const { app, store } = setup();
    const response = await app.request('/customers/cust-1/reactivate', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: '',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'CONSOLE_HEADER_REQUIRED' } });
    expect(await store.readStream('cust-1')).toEqual([]);
  });

  it('refuses a browser write with the header but no JSON type: 415, nothing written', async () => {
    const { app, store } = setup();
    const response = await register(
      app,
      { 'sec-fetch-site': 'same-origin', 'x-console-request': '1' },
      'cust-untyped',
    );
    expect(response.status).toBe(415);
    expect(await eventTypes(store, 'cust-untyped')).toEqual([]);
  });

  it('takes the console’s JSON with its header, and clients that are not browsers as before', async () => {
    const { app, store } = setup();
    const fromConsole = await register(
      app,
      {
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
        'x-console-request': '1',
      },
      'cust-console',
    );
    expect(fromConsole.status).toBe(201);
    const fromCurl = await register(app, { 'content-type': 'application/json' }, 'cust-curl');
    expect(fromCurl.status).toBe(201);
    expect(await eventTypes(store, 'cust-console')).toEqual(['CustomerRegistered']);
    expect(await eventTypes(store, 'cust-curl')).toEqual(['CustomerRegistered']);
  });
});
