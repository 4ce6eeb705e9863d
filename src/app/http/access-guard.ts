import type { Context, MiddlewareHandler } from 'hono';
import {
  type Caller,
  callerFromApiGateway,
  callerFromClaims,
  LOCAL_DEVELOPER,
  may,
} from '../access/caller.js';
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
 * A verifier's verdict on an access token. It throws only when it cannot decide (the
 * issuer's keys are unreachable), which is the service's fault, never the caller's.
 */
export type AccessTokenCheck =
  | { valid: true; claims: Record<string, unknown> }
  | { valid: false; reason: string };

export type VerifyAccessToken = (token: string) => Promise<AccessTokenCheck>;

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * `npm start -- --auth=oidc`: the caller is whoever an `Authorization: Bearer` access token
 * names, checked as API Gateway's JWT authoriser would (see `JoseTokenVerifier`). No token:
 * nobody (401). A token that fails the check: 401 `INVALID_TOKEN` with RFC 6750's
 * `WWW-Authenticate` error, the reason in words, the token never repeated nor logged.
 */
export const bearerTokenAccess =
  (options: { verify: VerifyAccessToken; scopePrefix?: string }): Authenticate =>
  async (c) => {
    const header = c.req.header('authorization');
    if (header === undefined || !/^Bearer(\s|$)/i.test(header)) return undefined;
    const token = BEARER.exec(header)?.[1];
    const check = token
      ? await options.verify(token)
      : ({ valid: false, reason: 'the Authorization header holds no bearer token' } as const);
    if (!check.valid) {
      throw new HttpProtocolError(
        401,
        'INVALID_TOKEN',
        `The access token was refused: ${check.reason}`,
        {
          'www-authenticate': `Bearer error="invalid_token", error_description="${check.reason.replaceAll('"', "'")}"`,
        },
      );
    }
    return callerFromClaims(
      check.claims,
      options.scopePrefix === undefined ? {} : { scopePrefix: options.scopePrefix },
    );
  };

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
