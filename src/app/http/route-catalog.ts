import type { Role } from '../access/roles.js';
import { createCommandRoutes } from './command-routes.js';
import { PUBLIC_PATHS } from './console-routes.js';
import type { ServiceRoute } from './openapi-route.js';
import { createOperationsRoutes } from './operations-routes.js';
import { createQueryRoutes } from './query-routes.js';

/** Which function serves a route on AWS. */
export type RouteSide = 'commands' | 'queries' | 'operations';

export interface CatalogRoute {
  side: RouteSide;
  method: ServiceRoute['method'];
  /** OpenAPI form: `/customers/{id}`, as API Gateway routes are written too. */
  path: string;
  role: Role;
  route: ServiceRoute;
}

/** Stands in for a service when routes are built only to be described. */
const describedOnly = new Proxy(
  {},
  {
    get: () => {
      throw new TypeError('routes built for the catalog serve nothing');
    },
  },
) as never;

/**
 * Every route of the service with its role and the function that serves it, from the very
 * declarations the app serves: the OpenAPI document, the stack's API Gateway routes (with
 * their JWT scopes) and its per-role IAM policies are all derived from this list.
 */
export const serviceRoutes = (): CatalogRoute[] =>
  (
    [
      ['commands', createCommandRoutes(describedOnly)],
      ['queries', createQueryRoutes(describedOnly)],
      ['operations', createOperationsRoutes(describedOnly)],
    ] as const
  ).flatMap(([side, routes]) =>
    routes.documented.map((route) => ({
      side,
      method: route.method,
      path: route.path,
      role: route.role,
      route,
    })),
  );

/** Served to anyone: the console's pages and assets, the API reference and its document. */
export const publicRoutes = (): Array<{ method: 'get'; path: string }> =>
  PUBLIC_PATHS.map((path) => ({ method: 'get', path }));
