import type { Context } from 'hono';
import { ValidationError } from '../../core/errors.js';

export type HttpEnv = { Variables: { correlationId: string; commandId: string | undefined } };

/** A refusal that belongs to HTTP itself (media type, size, a browser's missing header), not to the service. */
export class HttpProtocolError extends Error {
  override readonly name = 'HttpProtocolError';
  constructor(
    readonly status: 403 | 413 | 415,
    readonly code: string,
    message: string,
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
