import { type ErrorDetail, ServiceError } from '../core/errors.js';

/** The `details` entry of a `ViewNotCaughtUpError`: the numbers a client needs to retry. */
export interface VersionLagDetail extends ErrorDetail {
  currentVersion: number;
  minVersion: number;
}

/**
 * A read-your-writes wait (`minVersion`) ran out before the view reached the version. A
 * conflict, not a fault: the write happened, the projection is behind, a retry may succeed,
 * and `Retry-After` says when (the projection's lag is about a second).
 */
export class ViewNotCaughtUpError extends ServiceError {
  readonly kind = 'conflict';
  readonly code = 'VIEW_NOT_CAUGHT_UP';
  override readonly retryAfterSeconds = 1;
  declare readonly details: VersionLagDetail[];

  constructor(
    readonly customerId: string,
    readonly minVersion: number,
    /** 0 when the view does not exist yet. */
    readonly currentVersion: number,
    waitedMs: number,
  ) {
    const message = `The view of customer ${customerId} is at version ${currentVersion}, not yet ${minVersion}, after waiting ${waitedMs} ms`;
    const detail: VersionLagDetail = { field: 'minVersion', message, currentVersion, minVersion };
    super(message, { details: [detail] });
  }
}
