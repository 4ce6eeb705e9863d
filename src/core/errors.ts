/**
 * Every failure the service reports on purpose carries a `kind`, which the HTTP edge maps
 * to a status, and a stable `code` for clients. Nothing below the edge knows about HTTP.
 */
export type ErrorKind =
  | 'invalid'
  | 'not_found'
  | 'gone'
  | 'conflict'
  | 'rule_broken'
  | 'unavailable';

export interface ErrorDetail {
  field: string;
  message: string;
}

export abstract class ServiceError extends Error {
  abstract readonly kind: ErrorKind;
  abstract readonly code: string;
  readonly details: ErrorDetail[] | undefined;
  /** For `unavailable`: when a retry may succeed (the HTTP edge's `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options?: { cause?: unknown; details?: ErrorDetail[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
  }
}

export class ValidationError extends ServiceError {
  readonly kind = 'invalid';
  readonly code = 'VALIDATION_FAILED';
}

export class NotFoundError extends ServiceError {
  readonly kind = 'not_found';
  readonly code: string = 'NOT_FOUND';
}

/** The thing existed and was erased on purpose (a forgotten customer). */
export class GoneError extends ServiceError {
  readonly kind = 'gone';
  readonly code: string = 'GONE';
}

/** A business rule refused the command; the domain's own errors extend this one. */
export class BusinessRuleError extends ServiceError {
  readonly kind = 'rule_broken';
  readonly code: string = 'RULE_BROKEN';
}

/** The stream moved past the version the writer decided on. */
export class ConcurrencyError extends ServiceError {
  readonly kind = 'conflict';
  readonly code = 'VERSION_CONFLICT';
  constructor(
    readonly aggregateId: string,
    readonly expectedVersion: number,
    options?: { cause?: unknown; actualVersion?: number },
  ) {
    super(
      options?.actualVersion === undefined
        ? `Stream ${aggregateId} is no longer at version ${expectedVersion}`
        : `Stream ${aggregateId} is at version ${options.actualVersion}, not ${expectedVersion}`,
      options,
    );
  }
}

/**
 * A unique value (an email, say) is already held by another aggregate. The value is personal
 * data: it stays out of the message and the details, and is not enumerable, so no answer or
 * log line that serialises the error repeats it.
 */
export class UniquenessError extends ServiceError {
  readonly kind = 'conflict';
  readonly code: string = 'ALREADY_CLAIMED';
  declare readonly value: string;
  constructor(
    readonly scope: string,
    value: string,
    options?: { cause?: unknown },
  ) {
    super(`This ${scope} is already in use`, {
      ...options,
      details: [{ field: scope, message: 'is already in use' }],
    });
    Object.defineProperty(this, 'value', { value, enumerable: false });
  }
}

/** The same idempotency key arrived with a different request. */
export class IdempotencyKeyReusedError extends ServiceError {
  readonly kind = 'rule_broken';
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
}

/** The store answered with throttling or a transient fault after the SDK's own retries. */
export class StoreUnavailableError extends ServiceError {
  readonly kind = 'unavailable';
  readonly code = 'STORE_UNAVAILABLE';
  override readonly retryAfterSeconds = 1;
}

export const isServiceError = (error: unknown): error is ServiceError =>
  error instanceof ServiceError;
export const isConcurrencyError = (error: unknown): error is ConcurrencyError =>
  error instanceof ConcurrencyError;

/** The command's idempotency key is already recorded; the handler answers the first result. */
export class DuplicateCommandError extends ServiceError {
  readonly kind = 'conflict';
  readonly code = 'DUPLICATE_COMMAND';
  constructor(
    readonly commandId: string,
    options?: { cause?: unknown },
  ) {
    super(`Command ${commandId} was already handled`, options);
  }
}

/** More events than one atomic write can take. */
export class TooManyEventsError extends ServiceError {
  readonly kind = 'invalid';
  readonly code = 'TOO_MANY_EVENTS';
}
