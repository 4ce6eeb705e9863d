import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { type Env, type Handler, Hono } from 'hono';
import type { Role } from '../access/roles.js';
import { requireRole } from './access-guard.js';
import type { HttpEnv } from './request.js';

export type { RouteConfig };

/** The OpenAPI security schemes: a bearer token (JWT authoriser) or a SigV4 signature (IAM). */
export const SECURITY_SCHEMES = { bearer: 'bearer', sigv4: 'sigv4' } as const;

/** A route of the service: its declaration for the document, and the role it needs. */
export type ServiceRoute = RouteConfig & { role: Role };

/**
 * Declares a route: its path, parameters, body and answers, with the zod schemas that
 * validate them, and the one role that may call it. The role becomes the operation's
 * security requirement (a scope of the bearer token, or the IAM policy of that role).
 */
export const createRoute = <R extends Omit<RouteConfig, 'security'> & { role: Role }>(
  route: R,
): R & { security: RouteConfig['security'] } => ({
  ...route,
  security: [
    { [SECURITY_SCHEMES.bearer]: [route.role] },
    { [SECURITY_SCHEMES.sigv4]: [route.role] },
  ],
});

/** A Hono app that keeps the declarations of the routes it serves, for the document and the stack. */
export class DocumentedRoutes<E extends Env> extends Hono<E> {
  readonly documented: ServiceRoute[] = [];
}

/**
 * Serves `route` and records it for the OpenAPI document, in one call, so a route cannot
 * be served without being documented, nor without its role being checked first. The
 * handler validates with the very schemas the route declares (`parseOrThrow`), which keeps
 * the service's own answers (415 before 400, details naming each field, an empty body where
 * one is allowed).
 */
export const serveRoute = (
  app: DocumentedRoutes<HttpEnv>,
  route: ServiceRoute,
  handler: Handler<HttpEnv>,
): void => {
  app.documented.push(route);
  app.on(route.method.toUpperCase(), honoPath(route.path), requireRole(route.role), handler);
};

/** `/customers/{id}` (OpenAPI) as `/customers/:id` (Hono). */
export const honoPath = (openApiPath: string): string =>
  openApiPath.replaceAll(/\{([^}]+)\}/g, ':$1');

/** `/customers/:id` (Hono) as `/customers/{id}` (OpenAPI). */
export const openApiPath = (honoRoutePath: string): string =>
  honoRoutePath.replaceAll(/:([^/]+)/g, '{$1}');
