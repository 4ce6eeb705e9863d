import { type Config, ConfigError, readConfig } from '../config.js';

/**
 * How long one AWS call may take, whatever its dependency does: every attempt bounded by a
 * timeout, the retries counted, the backoffs between them capped. A call that outlives it
 * fails, and the service answers 503 instead of holding the caller until the function dies.
 */
export interface CallBudget {
  maxAttempts: number;
  connectTimeoutMs: number;
  /** One attempt, from asking for a connection to the answer's headers; also the longest silence while its body arrives. */
  requestTimeoutMs: number;
  /** Every attempt timed out, with the longest backoff between each. */
  worstCaseMs: number;
  /** The function's timeout the budget was derived from. */
  functionTimeoutMs: number;
}

export type CallBudgetSettings = Pick<
  Config,
  'FUNCTION_TIMEOUT_MS' | 'AWS_MAX_ATTEMPTS' | 'AWS_REQUEST_TIMEOUT_MS' | 'AWS_CONNECT_TIMEOUT_MS'
>;

const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 1000;
/** The share of the function's timeout one call may use: what ran before it and the answer need the rest. */
const CALL_SHARE = 0.6;
const DERIVED_REQUEST_TIMEOUT_MAX_MS = 5000;
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;

/** The longest wait before retry `retry` (1 for the first): exponential, capped; the wait itself is jittered below it. */
export const backoffCapMs = (retry: number): number =>
  Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));

const totalBackoffMs = (attempts: number): number => {
  let total = 0;
  for (let retry = 1; retry < attempts; retry++) total += backoffCapMs(retry);
  return total;
};

/**
 * The budget from the settings; throws `ConfigError` when the settings given would let one
 * call outlast its share of the function's timeout.
 */
export const callBudget = (settings: CallBudgetSettings): CallBudget => {
  const maxAttempts = settings.AWS_MAX_ATTEMPTS;
  const functionTimeoutMs = settings.FUNCTION_TIMEOUT_MS;
  const allowedMs = Math.floor(functionTimeoutMs * CALL_SHARE);
  const backoffMs = totalBackoffMs(maxAttempts);
  const requestTimeoutMs =
    settings.AWS_REQUEST_TIMEOUT_MS ??
    Math.min(DERIVED_REQUEST_TIMEOUT_MAX_MS, Math.floor((allowedMs - backoffMs) / maxAttempts));
  const connectTimeoutMs =
    settings.AWS_CONNECT_TIMEOUT_MS ?? Math.min(DEFAULT_CONNECT_TIMEOUT_MS, requestTimeoutMs);
  const worstCaseMs = maxAttempts * requestTimeoutMs + backoffMs;
  if (requestTimeoutMs < 100 || worstCaseMs > allowedMs) {
    throw new ConfigError(
      `Invalid configuration: AWS_MAX_ATTEMPTS (${maxAttempts}) × AWS_REQUEST_TIMEOUT_MS (${requestTimeoutMs}) plus ${backoffMs} ms of backoff must fit in ${allowedMs} ms, ${CALL_SHARE * 100}% of FUNCTION_TIMEOUT_MS (${functionTimeoutMs})`,
    );
  }
  if (connectTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `Invalid configuration: AWS_CONNECT_TIMEOUT_MS (${connectTimeoutMs}) exceeds the request timeout (${requestTimeoutMs}), which includes connecting`,
    );
  }
  return { maxAttempts, connectTimeoutMs, requestTimeoutMs, worstCaseMs, functionTimeoutMs };
};

/** The budget of the settings' defaults: for the clients of local stand-ins, which read no settings. */
export const defaultCallBudget = (): CallBudget => callBudget(readConfig({}));

/**
 * One attempt of up to `timeoutMs`, for start-up work where a slow first answer is no fault
 * (a cold DynamoDB Local): a readiness probe whose caller tries again until a deadline of its
 * own, or creating a table, which a retry after a timeout would find half done.
 */
export const oneAttemptBudget = (timeoutMs: number): CallBudget => ({
  maxAttempts: 1,
  connectTimeoutMs: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, timeoutMs),
  requestTimeoutMs: timeoutMs,
  worstCaseMs: timeoutMs,
  functionTimeoutMs: timeoutMs,
});
