import { randomUUID } from 'node:crypto';
import { customerModule } from '../../src/app/customer/module.js';
import { type CatalogRoute, serviceRoutes } from '../../src/app/http/route-catalog.js';
import { rebuildViews } from '../../src/app/rebuild.js';
import type { Service } from '../../src/composition/service.js';

/** One request, as the route's caller would send it. */
export interface RouteCall {
  method: string;
  path: string;
  query?: string;
  body?: unknown;
}

/** Customers in the state a route needs, written through the service's own commands. */
export interface RouteFixtures {
  registered(): Promise<string>;
  suspended(): Promise<string>;
  /** Registered, and its view in the read model (by the service's own rebuild). */
  projected(): Promise<string>;
}

export const routeFixtures = (service: Service): RouteFixtures => {
  const registered = async () => {
    const customerId = `acc-${randomUUID()}`;
    await service.aggregate(customerModule).commands.execute(
      {
        type: 'RegisterCustomer',
        data: { customerId, email: `${customerId}@example.com`, name: 'Access Test' },
      },
      { correlationId: randomUUID() },
    );
    return customerId;
  };
  return {
    registered,
    async suspended() {
      const customerId = await registered();
      await service
        .aggregate(customerModule)
        .commands.execute(
          { type: 'SuspendCustomer', data: { customerId, reasonCode: 'OTHER' } },
          { correlationId: randomUUID() },
        );
      return customerId;
    },
    async projected() {
      const customerId = await registered();
      await rebuildViews({ ...service.rebuildSources, concurrency: 2 });
      return customerId;
    },
  };
};

export interface RouteCase {
  /** The status the route answers a caller holding its role. */
  success: number;
  /** Sets up what the route needs and answers the request to send. */
  prepare(fixtures: RouteFixtures): Promise<RouteCall>;
}

/**
 * A successful call of every route of the service, keyed `METHOD path` as the route catalog
 * names them. The tests check that this table and `serviceRoutes()` list the same routes, so
 * a new route cannot go untested for its role.
 */
export const ROUTE_CASES: Record<string, RouteCase> = {
  'POST /customers': {
    success: 201,
    prepare: async () => {
      const customerId = `acc-${randomUUID()}`;
      return {
        method: 'POST',
        path: '/customers',
        body: { customerId, email: `${customerId}@example.com`, name: 'New Customer' },
      };
    },
  },
  'PUT /customers/{id}/email': {
    success: 200,
    prepare: async (f) => {
      const id = await f.registered();
      return {
        method: 'PUT',
        path: `/customers/${id}/email`,
        body: { email: `new-${id}@example.com` },
      };
    },
  },
  'POST /customers/{id}/suspend': {
    success: 200,
    prepare: async (f) => ({
      method: 'POST',
      path: `/customers/${await f.registered()}/suspend`,
      body: { reasonCode: 'OTHER' },
    }),
  },
  'POST /customers/{id}/reactivate': {
    success: 200,
    prepare: async (f) => ({
      method: 'POST',
      path: `/customers/${await f.suspended()}/reactivate`,
    }),
  },
  'DELETE /customers/{id}': {
    success: 200,
    prepare: async (f) => ({ method: 'DELETE', path: `/customers/${await f.registered()}` }),
  },
  'GET /customers/{id}/events': {
    success: 200,
    prepare: async (f) => ({ method: 'GET', path: `/customers/${await f.registered()}/events` }),
  },
  'GET /customers/search': {
    success: 200,
    prepare: async () => ({ method: 'GET', path: '/customers/search', query: 'email=acc-' }),
  },
  'GET /customers': {
    success: 200,
    prepare: async () => ({ method: 'GET', path: '/customers', query: 'status=ACTIVE' }),
  },
  'GET /customers/{id}': {
    success: 200,
    prepare: async (f) => ({ method: 'GET', path: `/customers/${await f.projected()}` }),
  },
  'GET /ops/health': {
    success: 200,
    prepare: async () => ({ method: 'GET', path: '/ops/health' }),
  },
  'GET /ops/customers/{id}/audit': {
    success: 200,
    prepare: async (f) => ({
      method: 'GET',
      path: `/ops/customers/${await f.registered()}/audit`,
    }),
  },
  'GET /ops/dead-letters': {
    success: 200,
    prepare: async () => ({ method: 'GET', path: '/ops/dead-letters' }),
  },
  'POST /ops/customers/{id}/repair': {
    success: 200,
    prepare: async (fixtures) => ({
      method: 'POST',
      path: `/ops/customers/${await fixtures.projected()}/repair`,
    }),
  },
  'POST /ops/dead-letters/redrive': {
    success: 200,
    prepare: async () => ({ method: 'POST', path: '/ops/dead-letters/redrive', body: {} }),
  },
};

export const routeKey = (route: { method: string; path: string }): string =>
  `${route.method.toUpperCase()} ${route.path}`;

/**
 * Every route of the catalog with its case and its test's name; `prepare` fails by name
 * for a route that has none.
 */
export const catalogCases = (): Array<{ route: CatalogRoute; name: string; case: RouteCase }> =>
  serviceRoutes().map((route) => {
    const key = routeKey(route);
    const missing: RouteCase = {
      success: 0,
      prepare: () => Promise.reject(new Error(`no request for ${key} in ROUTE_CASES`)),
    };
    return {
      route,
      name: `${key}: refused without ${route.role}, writing nothing; served with it`,
      case: ROUTE_CASES[key] ?? missing,
    };
  });

/** The catalog's routes that `ROUTE_CASES` does not cover, and the cases of no route. */
export const uncoveredRoutes = () => {
  const catalog = serviceRoutes().map(routeKey);
  return {
    withoutCase: catalog.filter((key) => !(key in ROUTE_CASES)),
    withoutRoute: Object.keys(ROUTE_CASES).filter((key) => !catalog.includes(key)),
  };
};
