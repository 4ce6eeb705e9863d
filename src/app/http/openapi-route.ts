import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Env, Handler } from 'hono';

/**
 * Serves `route` and puts it in the app's OpenAPI document, in one call, so a route cannot
 * be served without being documented. The handler validates with the very schemas the route
 * declares (`parseOrThrow`), which keeps the service's own answers (415 before 400, details
 * naming each field, an empty body where one is allowed) rather than the validator
 * middleware's.
 */
export const serveRoute = <E extends Env>(
  app: OpenAPIHono<E>,
  route: RouteConfig,
  handler: Handler<E>,
): void => {
  app.openAPIRegistry.registerPath(route);
  app.on(route.method.toUpperCase(), honoPath(route.path), handler);
};

/** `/customers/{id}` (OpenAPI) as `/customers/:id` (Hono). */
export const honoPath = (openApiPath: string): string =>
  openApiPath.replaceAll(/\{([^}]+)\}/g, ':$1');

/** `/customers/:id` (Hono) as `/customers/{id}` (OpenAPI). */
export const openApiPath = (honoRoutePath: string): string =>
  honoRoutePath.replaceAll(/:([^/]+)/g, '{$1}');
