import { StoreUnavailableError } from '../../core/errors.js';
import { retry } from '../../core/retry.js';
import { rethrowTransient } from './dynamodb-errors.js';

/** Requests DynamoDB kept leaving unprocessed (throttling, size caps): as good as unavailable. */
class UnprocessedRequestsError extends StoreUnavailableError {
  override readonly name = 'UnprocessedRequestsError';
  constructor(
    operation: string,
    readonly left: number,
  ) {
    super(`DynamoDB ${operation} left ${left} requests unprocessed`);
  }
}

export interface ResendUnprocessedOptions<Request> {
  /** The batch operation's name, for errors (`BatchGetItem`, `BatchWriteItem`). */
  operation: string;
  requests: readonly Request[];
  /** The most requests one call takes (100 for BatchGetItem, 25 for BatchWriteItem). */
  perCall: number;
  /** Sends one call's requests and answers those DynamoDB left unprocessed. */
  send(requests: Request[]): Promise<Request[]>;
  initialDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The batch calls' one loop: requests in calls of `perCall`, and what DynamoDB leaves
 * unprocessed sent again with full-jitter backoff until none is left or the attempts run out.
 */
export const resendUnprocessed = async <Request>(
  options: ResendUnprocessedOptions<Request>,
): Promise<void> => {
  const { operation, perCall } = options;
  for (let start = 0; start < options.requests.length; start += perCall) {
    let pending = options.requests.slice(start, start + perCall);
    await retry(
      async () => {
        try {
          pending = await options.send(pending);
        } catch (error) {
          return rethrowTransient(error, operation);
        }
        if (pending.length > 0) throw new UnprocessedRequestsError(operation, pending.length);
      },
      {
        initialDelayMs: options.initialDelayMs,
        maxDelayMs: options.maxDelayMs,
        jitter: 'full',
        maxAttempts: options.maxAttempts,
        retryable: (error) => error instanceof UnprocessedRequestsError,
        ...(options.sleep ? { sleep: options.sleep } : {}),
      },
    );
  }
};
