import { beforeEach, describe, expect, it } from 'vitest';
import type {
  CustomerView,
  CustomerViewReader,
} from '../../src/app/customer/customer-view-reader.js';
import { encodeCursor } from '../../src/app/page-cursor.js';
import { ValidationError } from '../../src/core/errors.js';

export interface ViewReaderFixture {
  reader: CustomerViewReader;
  /** Writes a view the way the projector would. */
  put(view: CustomerView): Promise<void>;
  /** False for a read model without a domain index (views layout 1). */
  listsDomains?: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

export const view = (n: number, overrides: Partial<CustomerView> = {}): CustomerView => ({
  customerId: `cust-${pad(n)}`,
  email: `Customer${pad(n)}@Example.COM`,
  name: `Customer ${n}`,
  status: 'ACTIVE',
  registrationDate: `2024-01-01T00:00:${pad(n % 60)}.${String(n).padStart(3, '0')}Z`,
  lastUpdated: '2024-02-01T00:00:00.000Z',
  version: 1,
  ...overrides,
});

const suspended = (n: number) =>
  view(n, {
    status: 'SUSPENDED',
    suspensionReasonCode: 'FRAUD',
    suspensionReason: 'fraud check',
    version: 2,
  });

const pageAll = async (
  read: (cursor: string | undefined) => Promise<{ items: CustomerView[]; nextCursor?: string }>,
) => {
  const pages: CustomerView[][] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 20);
  return pages;
};

/** Behaviour every `CustomerViewReader` shares, whatever holds the views. */
export const customerViewReaderContract = (
  name: string,
  setup: () => Promise<ViewReaderFixture>,
) => {
  describe(`${name} (CustomerViewReader contract)`, () => {
    let fixture: ViewReaderFixture;
    beforeEach(async () => {
      fixture = await setup();
    });

    const putAll = (views: CustomerView[]) => Promise.all(views.map((v) => fixture.put(v)));
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => from + i);

    it('gets a view by id, without index attributes, and nothing for an unknown id', async () => {
      await fixture.put(suspended(7));
      expect(await fixture.reader.get('cust-07')).toStrictEqual(suspended(7));
      expect(await fixture.reader.get('cust-07', { consistent: true })).toStrictEqual(suspended(7));
      expect(await fixture.reader.get('nobody')).toBeUndefined();
    });

    it('pages active customers oldest first, each exactly once, suspended ones left out', async () => {
      await putAll([...range(1, 45).map((n) => view(n)), ...range(46, 55).map(suspended)]);
      const pages = await pageAll((cursor) =>
        fixture.reader.listByStatus('ACTIVE', { limit: 20, ...(cursor ? { cursor } : {}) }),
      );
      expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
      const ids = pages.flat().map((v) => v.customerId);
      expect(ids).toEqual(range(1, 45).map((n) => `cust-${pad(n)}`));
      expect(pages.flat().every((v) => v.status === 'ACTIVE')).toBe(true);
    });

    it('hands out no cursor when a page ends the results exactly', async () => {
      await putAll(range(1, 40).map((n) => view(n)));
      const pages = await pageAll((cursor) =>
        fixture.reader.listByStatus('ACTIVE', { limit: 20, ...(cursor ? { cursor } : {}) }),
      );
      expect(pages.map((p) => p.length)).toEqual([20, 20]);
    });

    it('answers an empty page when nothing matches', async () => {
      expect(await fixture.reader.listByStatus('ACTIVE', { limit: 5 })).toEqual({ items: [] });
      expect(await fixture.reader.searchByEmailPrefix('zed', { limit: 5 })).toEqual({
        items: [],
      });
    });

    it('finds lower-cased email prefixes across statuses, paged in email order', async () => {
      await putAll([
        ...range(1, 45).map((n) => view(n)),
        ...range(46, 55).map(suspended),
        view(60, { email: 'Alice@X.com' }),
        view(61, { email: 'alice@x.com.au' }),
        view(62, { email: 'ALIBABA@y.org' }),
        view(63, { email: 'bob@x.com' }),
      ]);
      const pages = await pageAll((cursor) =>
        fixture.reader.searchByEmailPrefix('customer', {
          limit: 20,
          ...(cursor ? { cursor } : {}),
        }),
      );
      expect(pages.map((p) => p.length)).toEqual([20, 20, 15]);
      expect(pages.flat().map((v) => v.customerId)).toEqual(
        range(1, 55).map((n) => `cust-${pad(n)}`),
      );

      const exact = await fixture.reader.searchByEmailPrefix('alice@x.com', { limit: 20 });
      expect(exact.items.map((v) => v.email)).toEqual(['Alice@X.com', 'alice@x.com.au']);
      const prefix = await fixture.reader.searchByEmailPrefix('ali', { limit: 20 });
      expect(prefix.items.map((v) => v.email)).toEqual([
        'ALIBABA@y.org',
        'Alice@X.com',
        'alice@x.com.au',
      ]);
      const narrow = await fixture.reader.searchByEmailPrefix('customer0', { limit: 20 });
      expect(narrow.items.map((v) => v.customerId)).toEqual(
        range(1, 9).map((n) => `cust-${pad(n)}`),
      );
    });

    it('finds an exact address only, whatever its case, paged when views share it', async () => {
      await putAll([
        view(60, { email: 'Alice@X.com' }),
        view(61, { email: 'alice@x.com.au' }),
        view(62, { email: 'alice@x.co' }),
        // Two views hold one address only while the read model lags an email change.
        view(63, { email: 'ALICE@x.com' }),
      ]);
      const pages = await pageAll((cursor) =>
        fixture.reader.findByEmail('alice@x.com', { limit: 1, ...(cursor ? { cursor } : {}) }),
      );
      // One page each; between views of one address, the order is the index's.
      expect(pages.map((p) => p.length)).toEqual([1, 1]);
      expect(
        pages
          .flat()
          .map((v) => v.customerId)
          .sort(),
      ).toEqual(['cust-60', 'cust-63']);
      expect(await fixture.reader.findByEmail('alice@x', { limit: 5 })).toEqual({ items: [] });
    });

    it('lists the customers of one email domain in email order, paged', async () => {
      if (fixture.listsDomains === false) {
        await expect(fixture.reader.listByEmailDomain('example.com', { limit: 5 })).rejects.toThrow(
          ValidationError,
        );
        return;
      }
      await putAll([
        ...range(1, 45).map((n) => view(n)),
        ...range(46, 50).map(suspended),
        view(60, { email: 'a@sub.example.com' }),
        view(61, { email: 'b@example.com.au' }),
        view(62, { email: 'Zed@EXAMPLE.com' }),
      ]);
      const pages = await pageAll((cursor) =>
        fixture.reader.listByEmailDomain('example.com', {
          limit: 20,
          ...(cursor ? { cursor } : {}),
        }),
      );
      expect(pages.map((p) => p.length)).toEqual([20, 20, 11]);
      expect(pages.flat().map((v) => v.customerId)).toEqual([
        ...range(1, 50).map((n) => `cust-${pad(n)}`),
        'cust-62',
      ]);
      const other = await fixture.reader.listByEmailDomain('example.com.au', { limit: 20 });
      expect(other.items.map((v) => v.customerId)).toEqual(['cust-61']);
    });

    it('takes the cursors the first deployment handed out', async () => {
      await putAll(range(1, 30).map((n) => view(n)));
      const first = await fixture.reader.listByStatus('ACTIVE', { limit: 10 });
      const last = first.items.at(-1) as CustomerView;
      const older = encodeCursor({
        customerId: last.customerId,
        status: 'ACTIVE',
        statusSortKey: `${last.registrationDate}#${last.customerId}`,
      });
      const resumed = await fixture.reader.listByStatus('ACTIVE', { limit: 10, cursor: older });
      expect(resumed).toEqual(
        await fixture.reader.listByStatus('ACTIVE', { limit: 10, cursor: first.nextCursor }),
      );
      expect(resumed.items.map((v) => v.customerId)).toEqual(
        range(11, 20).map((n) => `cust-${pad(n)}`),
      );
      const olderSearch = encodeCursor({
        customerId: 'cust-05',
        emailBucket: 'c',
        emailLower: 'customer05@example.com',
      });
      const searched = await fixture.reader.searchByEmailPrefix('customer', {
        limit: 3,
        cursor: olderSearch,
      });
      expect(searched.items.map((v) => v.customerId)).toEqual(['cust-06', 'cust-07', 'cust-08']);
    });

    it('refuses malformed cursors and cursors of another query, naming the field', async () => {
      await putAll([...range(1, 5).map((n) => view(n)), view(60, { email: 'alice@x.com' })]);
      const active = await fixture.reader.listByStatus('ACTIVE', { limit: 2 });
      const search = await fixture.reader.searchByEmailPrefix('customer', { limit: 2 });
      expect(active.nextCursor).toBeDefined();
      expect(search.nextCursor).toBeDefined();
      const bad = [
        'not a cursor!',
        Buffer.from('{"customerId":').toString('base64url'),
        Buffer.from('[1,2]').toString('base64url'),
        encodeCursor({ customerId: 'cust-01' }),
        'a'.repeat(3000),
      ];
      for (const cursor of bad) {
        await expect(fixture.reader.listByStatus('ACTIVE', { limit: 2, cursor })).rejects.toThrow(
          ValidationError,
        );
      }
      const exact = await fixture.reader.findByEmail('customer01@example.com', { limit: 1 });
      const foreign = [
        () =>
          fixture.reader.findByEmail('customer01@example.com', {
            limit: 2,
            cursor: search.nextCursor,
          }),
        () => fixture.reader.findByEmail('customer', { limit: 2, cursor: active.nextCursor }),
        () => fixture.reader.listByStatus('SUSPENDED', { limit: 2, cursor: active.nextCursor }),
        () => fixture.reader.listByStatus('ACTIVE', { limit: 2, cursor: search.nextCursor }),
        () => fixture.reader.searchByEmailPrefix('alice', { limit: 2, cursor: search.nextCursor }),
        () =>
          fixture.reader.searchByEmailPrefix('customer03', { limit: 2, cursor: search.nextCursor }),
      ];
      expect(exact.nextCursor).toBeUndefined();
      if (fixture.listsDomains !== false) {
        const domain = await fixture.reader.listByEmailDomain('example.com', { limit: 2 });
        foreign.push(
          () =>
            fixture.reader.listByEmailDomain('example.org', {
              limit: 2,
              cursor: domain.nextCursor,
            }),
          () =>
            fixture.reader.listByEmailDomain('example.com', {
              limit: 2,
              cursor: search.nextCursor,
            }),
          () =>
            fixture.reader.searchByEmailPrefix('customer', { limit: 2, cursor: domain.nextCursor }),
        );
      }
      for (const read of foreign) {
        const error = await read().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).details).toEqual([
          { field: 'cursor', message: expect.any(String) },
        ]);
      }
    });
  });
};
