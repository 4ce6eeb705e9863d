import type { Context, MiddlewareHandler } from 'hono';
import { type Caller, callerFromApiGateway, LOCAL_DEVELOPER, may } from '../access/caller.js';
import type { Role } from '../access/roles.js';
import { type HttpEnv, HttpProtocolError } from './request.js';

/**
 * How the app learns who is calling. Undefined means nobody it can name (401); a thrown
 * `HttpProtocolError` (401) means a token was sent but is not valid.
 */
export type Authenticate = (
  c: Context<HttpEnv>,
) => Caller | undefined | Promise<Caller | undefined>;

/** `npm start` without `--auth`: every request is the local developer's, with every role. */
export const openAccess: Authenticate = () => LOCAL_DEVELOPER;

/**
 * Behind API Gateway: the caller its authoriser established (JWT claims and scopes, or the
 * IAM caller), read from the Lambda event that `hono/aws-lambda` passes as the app's env.
 */
export const apiGatewayAccess =
  (options: { scopePrefix?: string } = {}): Authenticate =>
  (c) =>
    callerFromApiGateway(
      (c.env as { event?: { requestContext?: unknown } } | undefined)?.event?.requestContext,
      options,
    );

/**
 * Runs before a route's handler, so a refusal reads and writes nothing: 401 when the caller
 * cannot be named, 403 naming the role the caller lacks. API Gateway refuses both before the
 * function runs; this is the second check, for a route that was deployed without its scope.
 */
export const requireRole =
  (role: Role): MiddlewareHandler<HttpEnv> =>
  async (c, next) => {
    const caller = await c.get('authenticate')(c);
    if (!caller) {
      throw new HttpProtocolError(401, 'UNAUTHENTICATED', 'This route needs a caller identity', {
        'www-authenticate': 'Bearer',
      });
    }
    c.set('caller', caller);
    if (!may(caller, role)) {
      throw new HttpProtocolError(403, 'MISSING_ROLE', `This route needs the role "${role}"`, {}, [
        { field: 'role', message: `${role} is required` },
      ]);
    }
    await next();
  };
