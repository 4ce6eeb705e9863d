import type { Context } from 'hono';
import { ValidationError } from '../../core/errors.js';
import type { Caller } from '../access/caller.js';
import type { Authenticate } from './access-guard.js';

export type HttpEnv = {
  Variables: {
    correlationId: string;
    /** How this app names its callers (API Gateway's authoriser, a bearer token, or open). */
    authenticate: Authenticate;
    /** Set by a route's role check; undefined on public routes. */
    caller: Caller | undefined;
  };
};

/**
 * A refusal that belongs to HTTP itself (identity, role, media type, size, host, a
 * browser's missing header), not to the service.
 */
export class HttpProtocolError extends Error {
  override readonly name = 'HttpProtocolError';
  constructor(
    readonly status: 401 | 403 | 413 | 415 | 421,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: Array<{ field: string; message: string }>,
  ) {
    super(message);
  }
}

export const MAX_BODY_BYTES = 16 * 1024;

/** Reads a JSON body: 415 when it is not JSON, 400 when it does not parse. */
export const readJsonBody = async (
  c: Context<HttpEnv>,
  options: { allowEmpty?: boolean } = {},
): Promise<unknown> => {
  const text = await c.req.text();
  if (text.trim() === '' && options.allowEmpty) return {};
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new HttpProtocolError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'The body must be JSON, sent with "Content-Type: application/json"',
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError('The body is not valid JSON', {
      cause: error,
      details: [{ field: '(body)', message: (error as Error).message }],
    });
  }
};
