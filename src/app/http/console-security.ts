import type { MiddlewareHandler } from 'hono';
import { HttpProtocolError } from './request.js';

/** The header the console puts on every state-changing request. */
export const CONSOLE_HEADER = 'x-console-request';

/**
 * Console pages run only the bundle served from here: no inline script or style, no framing,
 * and no other origin but those given to `fetch` from (the sign-in issuer's).
 */
export const consoleCsp = (connectOrigins: readonly string[] = []): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

export const CONSOLE_CSP = consoleCsp();

export const consoleHeaders: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Methods that change nothing: no browser check, no body. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const JSON_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;

/**
 * A browser's write must be the console's: JSON with the console header. A cross-site form
 * can send neither, and a script on another origin cannot add the header without a CORS
 * preflight, which this API never grants. Browsers announce themselves (`Origin`,
 * `Sec-Fetch-Site`); clients that are not browsers (curl, SDKs, other services) send neither
 * and are served as before.
 */
export const browserWriteGuard: MiddlewareHandler = async (c, next) => {
  if (SAFE_METHODS.has(c.req.method)) return next();
  const fromBrowser =
    c.req.header('origin') !== undefined || c.req.header('sec-fetch-site') !== undefined;
  if (!fromBrowser) return next();
  if (c.req.header(CONSOLE_HEADER) !== '1') {
    throw new HttpProtocolError(
      403,
      'CONSOLE_HEADER_REQUIRED',
      `A browser may change state only through the console, which sends "${CONSOLE_HEADER}: 1"`,
    );
  }
  if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new HttpProtocolError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'The body must be JSON, sent with "Content-Type: application/json"',
    );
  }
  return next();
};
