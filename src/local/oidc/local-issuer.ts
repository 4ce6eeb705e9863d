import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type KoaContext } from 'oidc-provider';
import { ROLES, scopeFor } from '../../app/access/roles.js';
import { assertPortFree } from '../free-port.js';
import { isLocalUser, LOCAL_API_AUDIENCE, LOCAL_CLIENTS, LOCAL_USERS } from './local-identities.js';
import {
  logoutSource,
  postLogoutSuccessSource,
  renderError,
  signInInteraction,
} from './sign-in-page.js';

export interface LocalIssuerOptions {
  /** The issuer's port on 127.0.0.1 (`OIDC_PORT`, 9400); 0 picks a free one. */
  port: number;
  /** The port the service (and its console) is served on: the console's redirect URIs. */
  httpPort: number;
  /** Prepended to each role to name its scope, as `AUTH_SCOPE_PREFIX` (empty by default). */
  scopePrefix?: string;
  /** Lifetime of access tokens (one hour by default). */
  accessTokenTtlSeconds?: number;
}

export interface LocalIssuer {
  /** `http://127.0.0.1:<port>`, as tokens name it in `iss`. */
  issuer: string;
  port: number;
  /** Where tokens are issued (client credentials, code exchange). */
  tokenEndpoint: string;
  /** The console's redirect URIs, on 127.0.0.1 and localhost. */
  redirectUris: string[];
  stop(): Promise<void>;
}

/** An RSA signing key made now, so nothing secret is ever written down. */
const signingKeys = async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' }] };
};

const OIDC_SCOPES = new Set(['openid', 'profile']);

/**
 * A real OpenID provider (`oidc-provider`) on 127.0.0.1 for `npm start -- --auth=oidc` and
 * the tests: JWT access tokens for the audience `urn:customer-service` (the default
 * resource, so clients need not name it), signed RS256 with a key made at start; the
 * console (public client, code with PKCE) and the development tool (client credentials).
 */
export const startLocalIssuer = async (options: LocalIssuerOptions): Promise<LocalIssuer> => {
  const prefix = options.scopePrefix ?? '';
  const allScopes = ROLES.map((role) => scopeFor(role, prefix));
  const accessTokenTTL = options.accessTokenTtlSeconds ?? 3600;
  if (options.port !== 0) await assertPortFree(options.port);

  // Listen first: with port 0 the issuer's URL is known only once bound.
  let handle: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (handle) handle(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const redirectUris = ['127.0.0.1', 'localhost'].map(
    (host) => `http://${host}:${options.httpPort}${LOCAL_CLIENTS.console.redirectPath}`,
  );

  const provider = new Provider(issuer, {
    // No `scope` per client: the resource server's scopes bound what any client may get.
    clients: [
      {
        client_id: LOCAL_CLIENTS.console.clientId,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: redirectUris,
        post_logout_redirect_uris: redirectUris.map((uri) => new URL('/console', uri).href),
      },
      {
        client_id: LOCAL_CLIENTS.devTool.clientId,
        client_secret: LOCAL_CLIENTS.devTool.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: await signingKeys(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], profile: ['name'] },
    scopes: [...OIDC_SCOPES],
    responseTypes: ['code'],
    pkce: { required: () => true },
    findAccount: (_ctx: unknown, id: string) =>
      isLocalUser(id) ? { accountId: id, claims: () => ({ sub: id, name: id }) } : undefined,
    // The grant is where the provider decides what a token may hold: a user's roles, and
    // nothing else they or the client ask for (rejected, so no consent is ever prompted).
    loadExistingGrant: async (ctx: KoaContext) => {
      const accountId = ctx.oidc.session.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (!accountId || !clientId || !isLocalUser(accountId)) return undefined;
      const granted = LOCAL_USERS[accountId].map((role) => scopeFor(role, prefix));
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId });
      grant.addOIDCScope([...OIDC_SCOPES].join(' '));
      const otherOidc = [...ctx.oidc.requestParamOIDCScopes].filter((s) => !OIDC_SCOPES.has(s));
      if (otherOidc.length > 0) grant.rejectOIDCScope(otherOidc.join(' '));
      grant.addResourceScope(LOCAL_API_AUDIENCE, granted.join(' '));
      const refused = allScopes.filter((scope) => !granted.includes(scope));
      if (refused.length > 0) grant.rejectResourceScope(LOCAL_API_AUDIENCE, refused.join(' '));
      await grant.save();
      return grant;
    },
    renderError,
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => LOCAL_API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== LOCAL_API_AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: allScopes.join(' '),
            audience: LOCAL_API_AUDIENCE,
            accessTokenTTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // The console's page calls the token endpoint from its own origin.
    clientBasedCORS: (_ctx: unknown, origin: string) =>
      redirectUris.some((uri) => new URL(uri).origin === origin),
    ttl: {
      AccessToken: accessTokenTTL,
      ClientCredentials: accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
  });
  provider.use(signInInteraction(provider));
  handle = provider.callback();

  return {
    issuer,
    port,
    tokenEndpoint: `${issuer}/token`,
    redirectUris,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
