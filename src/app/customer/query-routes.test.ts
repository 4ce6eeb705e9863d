import { describe, expect, it } from 'vitest';
import { view } from '../../../test/contract/customer-view-reader.contract.js';
import { InMemoryCustomerViewReader } from '../../adapters/memory/in-memory-customer-view-reader.js';
import { createHttpApp } from '../http/app.js';
import { CustomerQueryService } from './customer-queries.js';
import type { CustomerView } from './customer-view-reader.js';
import { createQueryRoutes } from './query-routes.js';

const setup = (minVersionWaitMs = 3000) => {
  const reader = new InMemoryCustomerViewReader();
  const queries = new CustomerQueryService({ reader, minVersionWaitMs });
  const app = createHttpApp({ queries: [createQueryRoutes(queries)] });
  const get = async (path: string) => {
    const response = await app.request(path);
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  return { reader, get };
};

interface Page {
  items: CustomerView[];
  nextCursor?: string;
}

const fieldsOf = (body: Record<string, unknown>) =>
  ((body.error as { details?: { field: string }[] }).details ?? []).map((d) => d.field);

describe('GET /customers/:id', () => {
  it('answers the view', async () => {
    const { reader, get } = setup();
    reader.put(view(1));
    expect(await get('/customers/cust-01')).toEqual({
      status: 200,
      retryAfter: null,
      body: view(1),
    });
  });

  it('answers 404 for an unknown customer', async () => {
    const { get } = setup();
    const { status, body } = await get('/customers/cust-99');
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'CUSTOMER_NOT_FOUND' } });
  });

  it('waits for minVersion while the view is being written', async () => {
    const { reader, get } = setup();
    reader.put(view(1));
    setTimeout(() => reader.put(view(1, { version: 2, name: 'Later' })), 120);
    const { status, body } = await get('/customers/cust-01?minVersion=2');
    expect(status).toBe(200);
    expect(body).toMatchObject({ version: 2, name: 'Later' });
  });

  it('answers 409 with the current version when the wait runs out', async () => {
    const { reader, get } = setup(150);
    reader.put(view(1, { version: 3 }));
    const { status, body, retryAfter } = await get('/customers/cust-01?minVersion=4');
    expect(status).toBe(409);
    // The client waits, not the function.
    expect(retryAfter).toBe('1');
    expect(body).toMatchObject({
      error: {
        code: 'VIEW_NOT_CAUGHT_UP',
        details: [{ field: 'minVersion', currentVersion: 3, minVersion: 4 }],
      },
    });
  });

  it.each(['abc', '0', '-1', '1.5', '', '99999999999'])(
    'answers 400 for minVersion=%s',
    async (v) => {
      const { get } = setup();
      const { status, body } = await get(`/customers/cust-01?minVersion=${v}`);
      expect(status).toBe(400);
      expect(fieldsOf(body)).toEqual(['minVersion']);
    },
  );

  it('answers 400 for an id no customer can have', async () => {
    const { get } = setup();
    const { status, body } = await get('/customers/a%20b');
    expect(status).toBe(400);
    expect(fieldsOf(body)).toEqual(['customerId']);
  });
});

describe('GET /customers?status=ACTIVE', () => {
  it('pages over every active customer exactly once', async () => {
    const { reader, get } = setup();
    for (let n = 1; n <= 45; n++) reader.put(view(n));
    for (let n = 46; n <= 50; n++) reader.put(view(n, { status: 'SUSPENDED' }));
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const query = `status=ACTIVE&limit=20${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get(`/customers?${query}`);
      expect(status).toBe(200);
      const page = body as unknown as Page;
      sizes.push(page.items.length);
      seen.push(...page.items.map((v) => v.customerId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([20, 20, 5]);
    expect(seen).toEqual(Array.from({ length: 45 }, (_, i) => view(i + 1).customerId));
  });

  it('defaults to 20 a page', async () => {
    const { reader, get } = setup();
    for (let n = 1; n <= 21; n++) reader.put(view(n));
    const { body } = await get('/customers?status=ACTIVE');
    expect((body as unknown as Page).items).toHaveLength(20);
  });

  it('answers 400 without a status, or for a status other than ACTIVE or SUSPENDED', async () => {
    const { get } = setup();
    const missing = await get('/customers');
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing.body)).toEqual(['status']);
    const other = await get('/customers?status=FORGOTTEN');
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({
      error: {
        details: [
          { field: 'status', message: 'must be one of ACTIVE, SUSPENDED, not "FORGOTTEN"' },
        ],
      },
    });
  });

  it('lists the suspended customers with status=SUSPENDED', async () => {
    const { reader, get } = setup();
    for (let n = 1; n <= 3; n++) reader.put(view(n));
    for (let n = 4; n <= 5; n++) reader.put(view(n, { status: 'SUSPENDED' }));
    const { status, body } = await get('/customers?status=SUSPENDED');
    expect(status).toBe(200);
    expect((body.items as CustomerView[]).map((c) => c.customerId)).toEqual(['cust-04', 'cust-05']);
  });

  it.each(['0', '101', 'ten', '', '2.5'])('answers 400 for limit=%s', async (limit) => {
    const { get } = setup();
    const { status, body } = await get(`/customers?status=ACTIVE&limit=${limit}`);
    expect(status).toBe(400);
    expect(fieldsOf(body)).toEqual(['limit']);
  });

  it('answers 400 for a cursor it did not hand out', async () => {
    const { get } = setup();
    for (const cursor of ['garbage!', 'eyJ4IjoxfQ', '']) {
      const { status, body } = await get(`/customers?status=ACTIVE&cursor=${cursor}`);
      expect(status).toBe(400);
      expect(fieldsOf(body)).toEqual(['cursor']);
    }
  });
});

describe('GET /customers/search?email=', () => {
  it('finds exact addresses and prefixes whatever their case', async () => {
    const { reader, get } = setup();
    reader.put(view(1, { email: 'Alice@Example.com' }));
    reader.put(view(2, { email: 'alan@example.com' }));
    reader.put(view(3, { email: 'bob@example.com' }));
    const exact = await get('/customers/search?email=ALICE%40EXAMPLE.COM');
    expect(exact.status).toBe(200);
    expect((exact.body as unknown as Page).items).toEqual([
      view(1, { email: 'Alice@Example.com' }),
    ]);
    const prefix = await get('/customers/search?email=aL&limit=1');
    const first = prefix.body as unknown as Page;
    expect(first.items.map((v) => v.customerId)).toEqual(['cust-02']);
    const next = await get(`/customers/search?email=aL&limit=1&cursor=${first.nextCursor}`);
    expect((next.body as unknown as Page).items.map((v) => v.customerId)).toEqual(['cust-01']);
    expect((next.body as unknown as Page).nextCursor).toBeUndefined();
  });

  it('answers 400 without an email, or with an empty one', async () => {
    const { get } = setup();
    for (const query of ['', '?email=', '?email=%20%20']) {
      const { status, body } = await get(`/customers/search${query}`);
      expect(status).toBe(400);
      expect(fieldsOf(body)).toEqual(['email']);
    }
  });

  it('answers 400 for a bad limit', async () => {
    const { get } = setup();
    const { status, body } = await get('/customers/search?email=a&limit=500');
    expect(status).toBe(400);
    expect(fieldsOf(body)).toEqual(['limit']);
  });
});

describe('GET /customers/search?match=exact and ?domain=', () => {
  const people = [
    view(1, { email: 'Alice@Example.com' }),
    view(2, { email: 'alice@example.com.au' }),
    view(3, { email: 'bob@EXAMPLE.com' }),
    view(4, { email: 'carol@sub.example.com' }),
    view(5, { email: 'dan@gmail.com' }),
  ];
  const seeded = () => {
    const context = setup();
    for (const p of people) context.reader.put(p);
    return context;
  };
  const idsOf = (body: Record<string, unknown>) =>
    (body as unknown as Page).items.map((v) => v.customerId);

  it('finds only the exact address with match=exact, a prefix of longer ones by default', async () => {
    const { get } = seeded();
    const exact = await get('/customers/search?email=%20ALICE%40example.com&match=exact');
    expect(exact.status).toBe(200);
    expect(idsOf(exact.body)).toEqual(['cust-01']);
    const prefix = await get('/customers/search?email=alice%40example.com');
    expect(idsOf(prefix.body)).toEqual(['cust-01', 'cust-02']);
    const explicit = await get('/customers/search?email=alice%40example.com&match=prefix');
    expect(idsOf(explicit.body)).toEqual(['cust-01', 'cust-02']);
  });

  it("lists a domain's customers, exactly that domain, in email order, paged", async () => {
    const { get } = seeded();
    const first = await get('/customers/search?domain=Example.COM&limit=1');
    expect(idsOf(first.body)).toEqual(['cust-01']);
    const cursor = (first.body as unknown as Page).nextCursor;
    const next = await get(`/customers/search?domain=example.com&cursor=${cursor}`);
    expect(idsOf(next.body)).toEqual(['cust-03']);
    expect((next.body as unknown as Page).nextCursor).toBeUndefined();
  });

  it('answers 400 naming the field for both fields, a bad domain or a bad match', async () => {
    const { get } = seeded();
    for (const [query, field] of [
      ['email=a&domain=example.com', 'domain'],
      ['domain=example.com&match=exact', 'match'],
      ['domain=', 'domain'],
      ['domain=not_a_domain', 'domain'],
      ['domain=example', 'domain'],
      ['domain=alice%40example.com', 'domain'],
      [`domain=${'a'.repeat(250)}.com`, 'domain'],
      ['email=a&match=fuzzy', 'match'],
    ] as const) {
      const { status, body } = await get(`/customers/search?${query}`);
      expect(status, query).toBe(400);
      expect(fieldsOf(body), query).toEqual([field]);
    }
  });
});
