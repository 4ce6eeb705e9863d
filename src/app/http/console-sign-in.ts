import {
  type AuthorizationServer,
  allowInsecureRequests,
  discoveryRequest,
  processDiscoveryResponse,
} from 'oauth4webapi';
import { ROLES, scopeFor } from '../access/roles.js';

/**
 * What the console signs in with, as `GET /console/auth.json` serves it: the issuer, the
 * public client, and the scopes to ask for (every role's, plus `openid` for the user's
 * name). `{"issuer": null}` when sign-in is off: the console then calls the API unsigned,
 * which only the open local mode answers.
 */
export type ConsoleSignInSettings =
  | {
      issuer: string;
      clientId: string;
      scopes: string[];
      /** Prepended to each role's name in a scope (`customer-service/` with Cognito). */
      scopePrefix: string;
    }
  | { issuer: null };

export interface ConsoleSignInConfig {
  CONSOLE_OIDC_ISSUER?: string | undefined;
  CONSOLE_OIDC_CLIENT_ID?: string | undefined;
  AUTH_SCOPE_PREFIX: string;
}

/** The settings from the app's configuration; an issuer without a client is a mistake. */
export const consoleSignInFrom = (config: ConsoleSignInConfig): ConsoleSignInSettings => {
  const issuer = config.CONSOLE_OIDC_ISSUER;
  if (issuer === undefined) return { issuer: null };
  if (config.CONSOLE_OIDC_CLIENT_ID === undefined) {
    throw new TypeError('CONSOLE_OIDC_ISSUER is set but CONSOLE_OIDC_CLIENT_ID is not');
  }
  return {
    issuer,
    clientId: config.CONSOLE_OIDC_CLIENT_ID,
    scopes: [...ROLES.map((role) => scopeFor(role, config.AUTH_SCOPE_PREFIX)), 'openid'],
    scopePrefix: config.AUTH_SCOPE_PREFIX,
  };
};

/** Where the issuer sends the browser back with the authorization code, on every origin. */
export const CONSOLE_REDIRECT_PATH = '/console/signed-in';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Plain HTTP is allowed for an issuer on this machine (the local issuer), never elsewhere. */
export const issuerRequestOptions = (issuer: URL): { [allowInsecureRequests]?: boolean } =>
  LOOPBACK.has(issuer.hostname) ? { [allowInsecureRequests]: true } : {};

/** The issuer's metadata (OpenID discovery), checked by oauth4webapi; browser and server. */
export const discoverIssuer = async (
  issuer: string,
  signal?: AbortSignal,
): Promise<AuthorizationServer> => {
  const url = new URL(issuer);
  const response = await discoveryRequest(url, {
    algorithm: 'oidc',
    ...issuerRequestOptions(url),
    ...(signal ? { signal } : {}),
  });
  return processDiscoveryResponse(url, response);
};

const DISCOVERY_TIMEOUT_MS = 3000;

/**
 * The origins the console's page must be allowed to `fetch` (CSP `connect-src`): the
 * issuer's, for discovery, and the token endpoint's, which differs for Cognito (the hosted
 * UI's domain). Read from the issuer's discovery once per process; until that succeeds,
 * only the issuer's origin, and the next page asks again.
 */
export const issuerConnectOrigins = (
  issuer: string,
  discover: (issuer: string, signal: AbortSignal) => Promise<AuthorizationServer> = discoverIssuer,
): (() => Promise<string[]>) => {
  const own = new URL(issuer).origin;
  let known: string[] | undefined;
  return async () => {
    if (known) return known;
    try {
      const metadata = await discover(issuer, AbortSignal.timeout(DISCOVERY_TIMEOUT_MS));
      const token = metadata.token_endpoint ? new URL(metadata.token_endpoint).origin : own;
      known = [...new Set([own, token])];
      return known;
    } catch {
      return [own];
    }
  };
};
