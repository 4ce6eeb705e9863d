import {
  AuthorizationResponseError,
  type AuthorizationServer,
  authorizationCodeGrantRequest,
  calculatePKCECodeChallenge,
  generateRandomCodeVerifier,
  generateRandomState,
  getValidatedIdTokenClaims,
  None,
  processAuthorizationCodeResponse,
  ResponseBodyError,
  validateAuthResponse,
} from 'oauth4webapi';
import {
  CONSOLE_REDIRECT_PATH,
  type ConsoleSignInSettings,
  discoverIssuer,
  issuerRequestOptions,
} from '../../../app/http/console-sign-in.js';
import { currentSession, forgetSession, sessionFrom, setSession } from './session.js';

/** Sign-in settings when sign-in is on. */
export type IssuerSettings = Extract<ConsoleSignInSettings, { issuer: string }>;

/**
 * The PKCE verifier, the state and the page to return to: they must survive the round trip
 * to the issuer, so they wait in `sessionStorage` (this tab only) and are removed as soon as
 * the issuer has answered. No token is ever stored.
 */
const PENDING_KEY = 'console.sign-in';

interface Pending {
  verifier: string;
  state: string;
  returnTo: string;
}

export const redirectUri = (): string => `${window.location.origin}${CONSOLE_REDIRECT_PATH}`;

let metadata: Promise<AuthorizationServer> | undefined;

/** The issuer's metadata, discovered once per page load (a failure is tried again). */
const issuerMetadata = (settings: IssuerSettings): Promise<AuthorizationServer> => {
  metadata ??= discoverIssuer(settings.issuer).catch((error: unknown) => {
    metadata = undefined;
    throw error;
  });
  return metadata;
};

/** Only one of the console's own pages may be returned to: never another site. */
const consolePath = (path: string | undefined): string =>
  path && /^\/console(\/|$|\?)/.test(path) && !path.startsWith(CONSOLE_REDIRECT_PATH)
    ? path
    : '/console';

/** A sign-in that could not be made or came back without a session, for the page to show. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
}

const describe = (error: unknown): string => {
  if (error instanceof AuthorizationResponseError || error instanceof ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
};

let leaving = false;

/**
 * Sends the browser to the issuer (authorization code with PKCE, S256). Never settles: the
 * page is left. With the issuer's session still alive the trip is a quick redirect.
 */
export const signIn = async (
  settings: IssuerSettings,
  returnTo = `${window.location.pathname}${window.location.search}`,
): Promise<never> => {
  if (!leaving) {
    leaving = true;
    forgetSession();
    const issuer = await issuerMetadata(settings).catch((error: unknown) => {
      leaving = false;
      throw new SignInError(`The issuer cannot be reached (${describe(error)})`, {
        cause: error,
      });
    });
    const verifier = generateRandomCodeVerifier();
    const state = generateRandomState();
    const pending: Pending = { verifier, state, returnTo: consolePath(returnTo) };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(issuer.authorization_endpoint ?? settings.issuer);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: settings.clientId,
      redirect_uri: redirectUri(),
      scope: settings.scopes.join(' '),
      state,
      code_challenge: await calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    window.location.assign(url.href);
  }
  return new Promise<never>(() => {});
};

/**
 * On `/console/signed-in`: checks the issuer's answer against the state, exchanges the code
 * with the verifier, and keeps the session in memory. Answers the page to show next.
 */
export const completeSignIn = async (settings: IssuerSettings): Promise<string> => {
  const stored = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (stored === null) throw new SignInError('No sign-in was under way in this tab');
  const pending = JSON.parse(stored) as Pending;
  try {
    const issuer = await issuerMetadata(settings);
    const client = { client_id: settings.clientId };
    const answer = validateAuthResponse(
      issuer,
      client,
      new URL(window.location.href),
      pending.state,
    );
    const response = await authorizationCodeGrantRequest(
      issuer,
      client,
      None(),
      answer,
      redirectUri(),
      pending.verifier,
      issuerRequestOptions(new URL(settings.issuer)),
    );
    const tokens = await processAuthorizationCodeResponse(issuer, client, response);
    setSession(sessionFrom(tokens, getValidatedIdTokenClaims(tokens), settings));
    return consolePath(pending.returnTo);
  } catch (error) {
    throw new SignInError(`The sign-in failed (${describe(error)})`, { cause: error });
  }
};

/**
 * Forgets the token, then ends the issuer's session where it offers an end-session endpoint
 * (Cognito's `/logout` takes `client_id` and `logout_uri`; OpenID's `post_logout_redirect_uri`).
 * Answers false when the issuer has none: the console then shows that it is signed out.
 */
export const signOut = async (settings: IssuerSettings): Promise<boolean> => {
  // No call may start a new sign-in from here on: signing in again is a new page load.
  leaving = true;
  if (currentSession() === undefined) return false;
  forgetSession();
  const issuer = await issuerMetadata(settings).catch(() => undefined);
  if (!issuer?.end_session_endpoint) return false;
  const back = `${window.location.origin}/console`;
  const url = new URL(issuer.end_session_endpoint);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('post_logout_redirect_uri', back);
  url.searchParams.set('logout_uri', back);
  window.location.assign(url.href);
  return true;
};
