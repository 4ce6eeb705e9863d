import { KeyUnavailableError } from '../../core/data-keys.js';

/**
 * Throttling, KMS's own faults and lost connections, and a wrapping key that is disabled or
 * pending deletion (an operator can enable it or cancel the deletion): a later attempt may
 * succeed, so the caller is told to retry rather than that its request was wrong.
 */
const UNAVAILABLE = new Set([
  'DisabledException',
  'KMSInvalidStateException',
  'ThrottlingException',
  'LimitExceededException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  // An attempt past the client's request or connection timeout (the SDK's name).
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const reasonOf = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code, $fault } = error as { name?: unknown; code?: unknown; $fault?: unknown };
  if (typeof code === 'string' && UNAVAILABLE.has(code)) return code;
  if (typeof name === 'string' && UNAVAILABLE.has(name)) return name;
  // Any other server-side fault of the service is an outage too.
  if ($fault === 'server') return typeof name === 'string' ? name : 'server fault';
  return undefined;
};

/** An outage that outlived the SDK's retries becomes `KeyUnavailableError` (HTTP 503). */
export const rethrowKmsUnavailable = (error: unknown, operation: string): never => {
  const reason = reasonOf(error);
  if (reason !== undefined)
    throw new KeyUnavailableError(`KMS ${operation} failed: ${reason}`, { cause: error });
  throw error;
};
