import type { MiddlewareHandler } from 'hono';

/**
 * Every API answer may hold personal data (a customer, a history, an audit, even an error
 * that names a field or echoes a path), so none is kept by a browser or a shared cache, and
 * none is sniffed into something a browser would run. The console's pages and assets hold no
 * data and set their own caching (`no-cache`): an answer that already says how it may be
 * cached keeps it.
 */
export const PRIVATE_ANSWER_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

export const privateAnswers: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has('cache-control')) {
    c.header('cache-control', PRIVATE_ANSWER_HEADERS['cache-control']);
  }
  c.header('x-content-type-options', PRIVATE_ANSWER_HEADERS['x-content-type-options']);
};
