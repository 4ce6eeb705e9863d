import type { RegisteredAggregate } from '../../composition/aggregate-module.js';
import { AGGREGATES } from '../../composition/aggregates.js';
import type { Role } from '../access/roles.js';
import { PUBLIC_PATHS } from './console-routes.js';
import type { DocumentedRoutes, ServiceRoute } from './openapi-route.js';
import { createOperationsRoutes } from './operations-routes.js';
import type { HttpEnv } from './request.js';

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
 * declarations the app serves: each registered aggregate's command and query routes, then
 * the operations routes. The OpenAPI document, the stack's API Gateway routes (with their
 * JWT scopes) and its per-role IAM policies are all derived from this list.
 */
export const serviceRoutes = (
  aggregates: readonly Pick<RegisteredAggregate, 'routes'>[] = AGGREGATES,
): CatalogRoute[] =>
  (
    [
      ...aggregates.flatMap(({ routes }) =>
        routes.commands ? [['commands', routes.commands(describedOnly)] as const] : [],
      ),
      ...aggregates.flatMap(({ routes }) =>
        routes.queries ? [['queries', routes.queries(describedOnly)] as const] : [],
      ),
      ['operations', createOperationsRoutes(describedOnly)] as const,
    ] satisfies ReadonlyArray<readonly [RouteSide, DocumentedRoutes<HttpEnv>]>
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
