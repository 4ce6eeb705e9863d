import * as oauth from 'oauth4webapi';
import { discoverLocalIssuer, LOCAL_HTTP } from '../../src/local/oidc/dev-tool-token.js';
import { LOCAL_CLIENTS } from '../../src/local/oidc/local-identities.js';

/** The cookies a browser would keep for the issuer, enough for one sign-in. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface SignedIn {
  accessToken: string;
  idToken: string | undefined;
  /** The scopes the token endpoint answered with. */
  scope: string | undefined;
}

/**
 * Signs `user` in to the console's client as a browser would, with a plain HTTP client:
 * authorization request with PKCE, the issuer's sign-in form posted, redirects followed
 * until the console's redirect URI, then the code exchanged for tokens.
 */
export const signInAs = async (
  issuer: string,
  user: string,
  options: { redirectUri: string; scopes: readonly string[]; password?: string },
): Promise<SignedIn> => {
  const as = await discoverLocalIssuer(issuer);
  const client: oauth.Client = { client_id: LOCAL_CLIENTS.console.clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const start = new URL(as.authorization_endpoint ?? '');
  start.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: ['openid', ...options.scopes].join(' '),
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();

  const jar = new CookieJar();
  let url = start.href;
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(options.redirectUri)) break;
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header() },
      ...(body ? { body } : {}),
    });
    jar.store(response);
    body = undefined;
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    const page = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    if (response.status !== 200 || !action) {
      const problem = /role="alert">([^<]*)</.exec(page)?.[1] ?? page.slice(0, 300);
      throw new Error(`sign-in stopped at ${url} with ${response.status}: ${problem}`);
    }
    url = new URL(action, url).href;
    body = new URLSearchParams({ login: user, password: options.password ?? 'any password' });
  }
  const callback = oauth.validateAuthResponse(as, client, new URL(url), state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    callback,
    options.redirectUri,
    verifier,
    LOCAL_HTTP,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  return { accessToken: tokens.access_token, idToken: tokens.id_token, scope: tokens.scope };
};
