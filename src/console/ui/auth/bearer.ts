import { currentSession } from './session.js';
import type { IssuerSettings } from './sign-in.js';
import { signIn } from './sign-in.js';

/** Sign in again this long before the token expires, so no call goes out with a dead one. */
const EXPIRY_MARGIN_MS = 30_000;

let issuer: IssuerSettings | undefined;

/** Set once at start when sign-in is on. */
export const requireSignIn = (settings: IssuerSettings): void => {
  issuer = settings;
};

/**
 * The headers that name the caller: `Authorization: Bearer <token>` when signed in. A token
 * about to expire (or none) sends the browser to sign in again instead, and never settles.
 */
export const authorizationHeaders = async (): Promise<Record<string, string>> => {
  const session = currentSession();
  if (!issuer || session === 'open') return {};
  if (session === undefined || session.expiresAt - Date.now() < EXPIRY_MARGIN_MS) {
    return signIn(issuer);
  }
  return { authorization: `Bearer ${session.accessToken}` };
};

/** The API answered 401 to a signed-in call: the token is no longer good; sign in again. */
export const tokenRefused = (): Promise<never> | undefined =>
  issuer && currentSession() !== 'open' ? signIn(issuer) : undefined;
