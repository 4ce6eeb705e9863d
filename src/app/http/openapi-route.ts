import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { type Env, type Handler, Hono } from 'hono';

export type { RouteConfig };

/** Declares a route: its path, parameters, body and answers, with the zod schemas that validate them. */
export const createRoute = <R extends RouteConfig>(route: R): R => route;

/** A Hono app that keeps the declarations of the routes it serves, for the OpenAPI document. */
export class DocumentedRoutes<E extends Env> extends Hono<E> {
  readonly documented: RouteConfig[] = [];
}

/**
 * Serves `route` and records it for the OpenAPI document, in one call, so a route cannot
 * be served without being documented. The handler validates with the very schemas the route
 * declares (`parseOrThrow`), which keeps the service's own answers (415 before 400, details
 * naming each field, an empty body where one is allowed).
 */
export const serveRoute = <E extends Env>(
  app: DocumentedRoutes<E>,
  route: RouteConfig,
  handler: Handler<E>,
): void => {
  app.documented.push(route);
  app.on(route.method.toUpperCase(), honoPath(route.path), handler);
};

/** `/customers/{id}` (OpenAPI) as `/customers/:id` (Hono). */
export const honoPath = (openApiPath: string): string =>
  openApiPath.replaceAll(/\{([^}]+)\}/g, ':$1');

/** `/customers/:id` (Hono) as `/customers/{id}` (OpenAPI). */
export const openApiPath = (honoRoutePath: string): string =>
  honoRoutePath.replaceAll(/:([^/]+)/g, '{$1}');
