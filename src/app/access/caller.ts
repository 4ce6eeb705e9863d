import type { Actor } from '../../core/event.js';
import { ROLES, type Role, rolesFromScopes } from './roles.js';

/** Who is calling, and which roles they hold. */
export interface Caller {
  actor: Actor;
  /**
   * The roles the caller holds. `all` for the local developer (`npm start` without
   * `--auth`) and for an IAM caller: API Gateway's IAM authoriser has already checked the
   * caller's policies against this exact route's ARN, which the function cannot see.
   */
  roles: ReadonlySet<Role> | 'all';
}

export const may = (caller: Caller, role: Role): boolean =>
  caller.roles === 'all' || caller.roles.has(role);

/** The roles as a list, for answers and log lines. */
export const rolesOf = (caller: Caller): Role[] =>
  caller.roles === 'all' ? [...ROLES] : ROLES.filter((role) => may(caller, role));

/** `npm start` without `--auth`: open on 127.0.0.1, for development. */
export const LOCAL_DEVELOPER: Caller = { actor: { kind: 'local', id: 'developer' }, roles: 'all' };

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The scopes of a token's claims: `scope` (RFC 9068 and Cognito, space-separated) or `scp`
 * (a list, or a space-separated string). API Gateway hands list claims over as `[a b]`.
 */
export const scopesOfClaims = (claims: Record<string, unknown>): string[] => {
  const raw = claims.scope ?? claims.scp;
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  if (typeof raw !== 'string') return [];
  return raw
    .replace(/^\[(.*)\]$/, '$1')
    .split(/[\s,]+/)
    .filter((s) => s !== '');
};

/**
 * A caller from a verified access token's claims. An ID token (`token_use: id`, as Cognito
 * marks them) grants nothing, whatever it holds: only access tokens carry scopes.
 */
export const callerFromClaims = (
  claims: Record<string, unknown>,
  options: { scopePrefix?: string; scopes?: readonly string[] } = {},
): Caller => {
  const clientId = text(claims.client_id) ?? text(claims.azp);
  const actor: Actor = { kind: 'jwt', id: text(claims.sub) ?? clientId ?? 'unknown' };
  if (clientId !== undefined) actor.clientId = clientId;
  const isIdToken = claims.token_use === 'id';
  const scopes = options.scopes ?? scopesOfClaims(claims);
  return { actor, roles: isIdToken ? new Set() : rolesFromScopes(scopes, options.scopePrefix) };
};

interface ApiGatewayAuthorizer {
  jwt?: { claims?: Record<string, unknown>; scopes?: string[] | null };
  iam?: { userArn?: string; callerId?: string; accountId?: string };
}

/**
 * The caller as API Gateway's authoriser established it (HTTP API, payload 2.0): a JWT's
 * claims and scopes, or the IAM caller. Undefined when the request passed no authoriser.
 */
export const callerFromApiGateway = (
  requestContext: unknown,
  options: { scopePrefix?: string } = {},
): Caller | undefined => {
  const authorizer = (requestContext as { authorizer?: ApiGatewayAuthorizer } | undefined)
    ?.authorizer;
  if (authorizer?.jwt?.claims) {
    const { claims, scopes } = authorizer.jwt;
    return callerFromClaims(claims, {
      ...(options.scopePrefix === undefined ? {} : { scopePrefix: options.scopePrefix }),
      ...(Array.isArray(scopes) ? { scopes } : {}),
    });
  }
  const iam = authorizer?.iam;
  const arn = text(iam?.userArn) ?? text(iam?.callerId);
  if (arn !== undefined) return { actor: { kind: 'iam', id: arn }, roles: 'all' };
  return undefined;
};

/** One line for logs: `jwt:<sub> client:<id>`, `iam:<arn>`, `local:developer`. */
export const describeActor = (actor: Actor): string =>
  `${actor.kind}:${actor.id}${actor.clientId ? ` client:${actor.clientId}` : ''}`;
