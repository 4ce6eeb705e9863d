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

/** How long a caller is asked to wait after a dependency did not answer in time. */
const DEPENDENCY_TIMEOUT_RETRY_AFTER_SECONDS = 1;
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * A call to a dependency that ran out of its time (the AWS SDK's `TimeoutError` after its
 * retries), here or as the cause of another failure. The adapters map their own; this
 * catches one that reached the edge unmapped, so that it still answers 503, not 500.
 */
export const isDependencyTimeout = (error: unknown): boolean => {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { name, $metadata, cause } = e as {
      name?: unknown;
      $metadata?: unknown;
      cause?: unknown;
    };
    if (typeof name === 'string' && TIMEOUT_NAMES.has(name) && $metadata !== undefined) return true;
    e = cause;
  }
  return false;
};

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
  if (isDependencyTimeout(error)) {
    logger?.warn('dependency timed out', { correlationId, error });
    return {
      status: 503,
      headers: { 'retry-after': String(DEPENDENCY_TIMEOUT_RETRY_AFTER_SECONDS) },
      body: {
        error: { code: 'DEPENDENCY_TIMEOUT', message: 'A dependency did not answer in time' },
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
