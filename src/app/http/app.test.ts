import { describe, expect, it } from 'vitest';
import { InMemoryCustomerViewReader } from '../../adapters/memory/in-memory-customer-view-reader.js';
import { CustomerQueryService } from '../customer/customer-queries.js';
import { createQueryRoutes } from '../customer/query-routes.js';
import { createHttpApp } from './app.js';

describe('HTTP app request log', () => {
  const setup = () => {
    const lines: { message: string; extra: Record<string, unknown> | undefined }[] = [];
    const logger = {
      debug: () => {},
      info: (message: string, extra?: Record<string, unknown>) => lines.push({ message, extra }),
      warn: () => {},
      error: () => {},
    };
    const queries = new CustomerQueryService({ reader: new InMemoryCustomerViewReader() });
    return { lines, app: createHttpApp({ queries: [createQueryRoutes(queries)], logger }) };
  };

  it('writes one line per request with the route pattern, status and correlation id', async () => {
    const { app, lines } = setup();
    const response = await app.request('/customers/search?email=ada@example.com', {
      headers: { 'x-correlation-id': 'trace-1' },
    });
    expect(response.headers.get('x-correlation-id')).toBe('trace-1');
    await app.request('/customers/c-404');
    await app.request('/elsewhere');
    expect(lines.map((l) => [l.message, l.extra?.route, l.extra?.status])).toEqual([
      ['request', '/customers/search', 200],
      ['request', '/customers/:id', 404],
      ['request', '(none)', 404],
    ]);
    expect(lines[0]?.extra?.correlationId).toBe('trace-1');
    expect(lines[1]?.extra?.correlationId).toEqual(expect.any(String));
  });

  it('never logs the raw path or query string, where emails travel', async () => {
    const { app, lines } = setup();
    await app.request('/customers/search?email=ada@example.com');
    expect(JSON.stringify(lines)).not.toContain('ada@example.com');
  });
});
