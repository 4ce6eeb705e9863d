import { describe, expect, it } from 'vitest';
import { ROLES } from '../src/app/access/roles.js';
import { serviceRoutes } from '../src/app/http/route-catalog.js';
import { iamMatches, invokePath, roleGrants, roleIdentifier } from './route-access.js';

/** IAM's resource matching, written out here by hand: `*` any run (slashes too), `?` one character. */
const glob = (pattern: string, value: string): boolean => {
  const go = (p: number, v: number): boolean => {
    if (p === pattern.length) return v === value.length;
    if (pattern[p] === '*') return go(p + 1, v) || (v < value.length && go(p, v + 1));
    if (v === value.length) return false;
    return (pattern[p] === '?' || pattern[p] === value[v]) && go(p + 1, v + 1);
  };
  return go(0, 0);
};

/** Whether a policy lets a request through: an allow matches, and no deny does. */
const permits = (grant: { allow: string[]; deny: string[] }, request: string) =>
  grant.allow.some((p) => glob(p, request)) && !grant.deny.some((p) => glob(p, request));

/** Concrete requests to a route, with ids of several shapes in its parameters. */
const requestsTo = (route: { method: string; path: string }) =>
  ['3f2a9c1e-0b7d-4e8f-9a21-5c6d7e8f9a0b', 'x', 'search', 'a_b-C'].map(
    (id) => `${route.method.toUpperCase()}${route.path.replaceAll(/\{[^}]+\}/g, id)}`,
  );

describe('route access: one IAM grant per role, from the route catalog', () => {
  it('writes each route as execute-api writes it: method, path, parameters as *', () => {
    expect(invokePath({ method: 'get', path: '/customers/{id}/events' })).toBe(
      'GET/customers/*/events',
    );
    expect(invokePath({ method: 'post', path: '/customers' })).toBe('POST/customers');
    expect(iamMatches('GET/customers/*', 'GET/customers/42/events')).toBe(true);
    expect(iamMatches('GET/customers/?', 'GET/customers/42')).toBe(false);
    expect(iamMatches('GET/customers', 'GET/customers/42')).toBe(false);
  });

  it('every policy lets through exactly the requests of its role (and of the roles it includes)', () => {
    const routes = serviceRoutes();
    const grants = roleGrants(routes);
    expect(grants.map((g) => g.role)).toEqual([...ROLES]);
    for (const grant of grants) {
      const mine = new Set([grant.role, ...grant.includes]);
      for (const route of routes) {
        for (const request of requestsTo(route)) {
          expect(permits(grant, request), `${grant.role} on ${request}`).toBe(mine.has(route.role));
        }
      }
      // Nothing broader than a route: no bare wildcard, no stage-wide grant.
      for (const pattern of [...grant.allow, ...grant.deny]) {
        expect(pattern).not.toBe('*');
        expect(pattern).toMatch(/^(GET|POST|PUT|DELETE|PATCH)\/[a-z]/);
      }
    }
  });

  it('a reader may read customers but not their histories; the history policy carries the reads', () => {
    const grants = new Map(roleGrants(serviceRoutes()).map((g) => [g.role, g]));
    const read = grants.get('customers:read');
    expect(read?.allow.sort()).toEqual([
      'GET/customers',
      'GET/customers/*',
      'GET/customers/search',
    ]);
    expect(read?.deny).toEqual(['GET/customers/*/events']);
    expect(permits(read ?? { allow: [], deny: [] }, 'GET/customers/42/events')).toBe(false);
    const history = grants.get('customers:history');
    expect(history?.includes).toEqual(['customers:read']);
    expect(history?.deny).toEqual([]);
    expect(grants.get('customers:erase')).toEqual({
      role: 'customers:erase',
      allow: ['DELETE/customers/*'],
      deny: [],
      includes: [],
    });
  });

  it('picks up a route added to the catalog, such as a repair action', () => {
    const routes = [
      ...serviceRoutes(),
      { method: 'post' as const, path: '/ops/customers/{id}/repair', role: 'ops:write' as const },
    ];
    const write = roleGrants(routes).find((g) => g.role === 'ops:write');
    expect(write?.allow).toContain('POST/ops/customers/*/repair');
    expect(permits(write ?? { allow: [], deny: [] }, 'POST/ops/customers/42/repair')).toBe(true);
    const read = roleGrants(routes).find((g) => g.role === 'ops:read');
    expect(permits(read ?? { allow: [], deny: [] }, 'POST/ops/customers/42/repair')).toBe(false);
  });

  it('refuses routes no pair of exact policies can separate', () => {
    // A's `*` reaches B's route, and B's `*` reaches A's: each would have to carry the other.
    expect(() =>
      roleGrants([
        { method: 'get', path: '/a/{x}', role: 'customers:read' },
        { method: 'get', path: '/a/b/c', role: 'customers:read' },
        { method: 'get', path: '/a/{x}/c', role: 'ops:read' },
      ]),
    ).toThrow(/no exact IAM policy/);
    // One way only is fine: the reader denies the deeper route, which keeps its own.
    const grants = roleGrants([
      { method: 'get', path: '/a/{x}', role: 'customers:read' },
      { method: 'get', path: '/a/{x}/b', role: 'ops:read' },
      { method: 'get', path: '/a/{x}/b/{y}', role: 'customers:read' },
    ]);
    expect(grants[0]).toMatchObject({ role: 'customers:read', deny: ['GET/a/*/b'] });
    expect(permits(grants[0] ?? { allow: [], deny: [] }, 'GET/a/1/b/2')).toBe(true);
  });

  it('names roles for construct ids and outputs', () => {
    expect(ROLES.map(roleIdentifier)).toEqual([
      'CustomersRead',
      'CustomersHistory',
      'CustomersWrite',
      'CustomersErase',
      'OpsRead',
      'OpsWrite',
    ]);
  });
});
