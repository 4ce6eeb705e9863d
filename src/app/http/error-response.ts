import { type ErrorKind, isServiceError } from '../../core/errors.js';
import type { Logger } from '../../core/ports.js';

export const STATUS_BY_KIND: Record<ErrorKind, 400 | 404 | 409 | 410 | 422 | 503> = {
  invalid: 400,
  not_found: 404,
  gone: 410,
  conflict: 409,
  rule_broken: 422,
  unavailable: 503,
};

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: string; message: string; details?: unknown; correlationId?: string } };
}

/**
 * The one mapping from a failure to an answer, shared by the HTTP app and the Lambda
 * direct invocations. A fault that is not a `ServiceError` is a 500 that names the
 * correlation id and nothing else: no message, no stack.
 */
export const toErrorResponse = (
  error: unknown,
  correlationId: string,
  logger?: Logger,
): ErrorResponse => {
  if (isServiceError(error)) {
    const status = STATUS_BY_KIND[error.kind];
    const headers: Record<string, string> = {};
    // A "not yet" (a view behind its minVersion) says when to ask again, like a 503.
    if (error.retryAfterSeconds !== undefined) {
      headers['retry-after'] = String(error.retryAfterSeconds);
    }
    if (error.kind === 'unavailable') {
      headers['retry-after'] = String(error.retryAfterSeconds ?? 1);
      logger?.warn('dependency unavailable', {
        correlationId,
        code: error.code,
        error: error.message,
      });
    }
    return {
      status,
      headers,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      },
    };
  }
  logger?.error('unexpected failure', { correlationId, error });
  return {
    status: 500,
    headers: {},
    body: {
      error: {
        code: 'INTERNAL_ERROR',
        message: `An unexpected error occurred; quote correlation id ${correlationId}`,
        correlationId,
      },
    },
  };
};

/** A direct (non-HTTP) Lambda invocation's answer: the API Gateway proxy result shape. */
export interface DirectResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

/** The same mapping, shaped as a direct invocation's answer. */
export const toDirectErrorResponse = (
  error: unknown,
  correlationId: string,
  logger?: Logger,
): DirectResponse => {
  const answer = toErrorResponse(error, correlationId, logger);
  return { statusCode: answer.status, headers: answer.headers, body: JSON.stringify(answer.body) };
};
