import * as oauth from 'oauth4webapi';
import { LOCAL_CLIENTS } from './local-identities.js';

/** The local issuer speaks plain HTTP on loopback. */
export const LOCAL_HTTP = { [oauth.allowInsecureRequests]: true } as const;

/** The issuer's metadata, from its discovery document. */
export const discoverLocalIssuer = async (issuer: string): Promise<oauth.AuthorizationServer> => {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, LOCAL_HTTP));
};

/**
 * An access token of the development tool (client credentials) holding exactly `scopes`,
 * for scripts, benchmarks and tests against `npm start -- --auth=oidc`.
 */
export const devToolToken = async (issuer: string, scopes: readonly string[]): Promise<string> => {
  const as = await discoverLocalIssuer(issuer);
  const client: oauth.Client = { client_id: LOCAL_CLIENTS.devTool.clientId };
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(LOCAL_CLIENTS.devTool.clientSecret),
    { scope: scopes.join(' ') },
    LOCAL_HTTP,
  );
  return (await oauth.processClientCredentialsResponse(as, client, response)).access_token;
};
