import { decodeJwt } from 'jose';
import type { TokenEndpointResponse } from 'oauth4webapi';
import { type Role, rolesFromScopes } from '../../../app/access/roles.js';

/**
 * Who is signed in, held in this page's memory only: never in `localStorage`,
 * `sessionStorage` or a cookie, so a script or an extension reading storage finds no token.
 * A full page load loses it, which is why the console navigates between its pages itself.
 */
export interface Session {
  accessToken: string;
  /** Epoch milliseconds; the console signs in again a little before. */
  expiresAt: number;
  roles: ReadonlySet<Role>;
  /** The token's `sub`. */
  subject: string;
  /** The user's name from the ID token (`preferred_username`, Cognito's `cognito:username`). */
  userName: string | undefined;
}

/** `open`: the service answers without a token (local mode); every action is shown. */
let current: Session | 'open' | undefined;

export const openSession = (): void => {
  current = 'open';
};

export const setSession = (session: Session): void => {
  current = session;
};

export const forgetSession = (): void => {
  current = undefined;
};

export const currentSession = (): Session | 'open' | undefined => current;

/** Whether the signed-in user holds the role; in open mode, every role. */
export const may = (role: Role): boolean => current === 'open' || current?.roles.has(role) === true;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const claimsOf = (token: string | undefined): Record<string, unknown> => {
  if (!token) return {};
  try {
    return decodeJwt(token);
  } catch {
    // An opaque access token: what it grants comes from the token response.
    return {};
  }
};

/**
 * A session from the token endpoint's answer. The scopes the API will honour are the access
 * token's own (`scope` claim, as API Gateway reads it), else the answer's `scope`, else
 * those asked for (RFC 6749 allows omitting it when it is the same).
 */
export const sessionFrom = (
  answer: TokenEndpointResponse,
  idClaims: Record<string, unknown> | undefined,
  requested: { scopes: readonly string[]; scopePrefix: string },
  now = Date.now(),
): Session => {
  const claims = claimsOf(answer.access_token);
  const scope = text(claims.scope) ?? text(answer.scope) ?? requested.scopes.join(' ');
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  const expiresIn =
    typeof answer.expires_in === 'number' ? now + answer.expires_in * 1000 : undefined;
  const subject = text(claims.sub) ?? text(idClaims?.sub) ?? 'unknown';
  return {
    accessToken: answer.access_token,
    // Without either, an hour, and a 401 signs in again sooner if need be.
    expiresAt: exp ?? expiresIn ?? now + 3600_000,
    roles: rolesFromScopes(scope.split(' '), requested.scopePrefix),
    subject,
    userName:
      text(idClaims?.preferred_username) ?? text(idClaims?.['cognito:username']) ?? undefined,
  };
};
