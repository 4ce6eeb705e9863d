import { describe, expect, it } from 'vitest';
import { pagePath, type Query } from '../../src/console/ui/pages/customer-search.js';

const query = (overrides: Partial<Query>): Query => ({
  status: 'ACTIVE',
  by: 'prefix',
  text: '',
  cursors: [undefined],
  ...overrides,
});

describe("the console's customer list asks the API", () => {
  it('for a status page when the search box is empty', () => {
    expect(pagePath(query({ status: 'SUSPENDED', text: '  ' }), 20)).toBe(
      '/customers?limit=20&status=SUSPENDED',
    );
  });

  it('for a prefix, an exact address or a domain, as the search route takes them', () => {
    expect(pagePath(query({ text: ' grace ' }), 20)).toBe('/customers/search?limit=20&email=grace');
    expect(pagePath(query({ by: 'exact', text: 'Grace@Example.com' }), 20)).toBe(
      '/customers/search?limit=20&email=Grace%40Example.com&match=exact',
    );
    expect(
      pagePath(query({ by: 'domain', text: 'example.com', cursors: [undefined, 'c2'] }), 5),
    ).toBe('/customers/search?limit=5&cursor=c2&domain=example.com');
  });
});
