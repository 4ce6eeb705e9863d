import { StoreUnavailableError } from '../../core/errors.js';

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
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

/** Throttling and faults that outlived the SDK's retries become a core error (HTTP 503). */
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
