import { StoreUnavailableError } from '../../core/errors.js';

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  // An attempt past the client's request or connection timeout (the SDK's name), and
  // the service's own name for a request it gave up on.
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

const nameOf = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (typeof code === 'string' && TRANSIENT.has(code)) return code;
  return typeof name === 'string' ? name : undefined;
};

/** True for failures that a later retry may not see: throttling, faults, lost connections. */
export const isTransientDynamoDBError = (error: unknown): boolean => {
  const name = nameOf(error);
  return name !== undefined && TRANSIENT.has(name);
};

/**
 * Throttling, faults and timeouts that outlived the SDK's retries (within the call budget)
 * become a core error (HTTP 503).
 */
export const rethrowTransient = (error: unknown, operation: string): never => {
  if (isTransientDynamoDBError(error)) {
    throw new StoreUnavailableError(`DynamoDB ${operation} failed: ${nameOf(error)}`, {
      cause: error,
    });
  }
  throw error;
};

export const isConditionalCheckFailed = (error: unknown): boolean =>
  nameOf(error) === 'ConditionalCheckFailedException';

export interface CancellationReason {
  Code?: string;
}

/** The per-item reasons of a cancelled transaction, in the order of its items. */
export const cancellationReasons = (error: unknown): CancellationReason[] | undefined => {
  if (nameOf(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  return reasons ?? [];
};
