import { ServiceError } from './errors.js';
import type { VersionedView } from './projection.js';

/** Another writer moved the view since it was read; re-read and try again. */
export class ViewConflictError extends ServiceError {
  readonly kind = 'conflict';
  readonly code = 'VIEW_VERSION_CONFLICT';
  constructor(
    readonly viewId: string,
    readonly readVersion: number,
    options?: { cause?: unknown },
  ) {
    super(`View ${viewId} is no longer at version ${readVersion}`, options);
  }
}

export const isViewConflictError = (error: unknown): error is ViewConflictError =>
  error instanceof ViewConflictError;

/**
 * The read side's storage. Writes are conditional on the version read, so concurrent
 * projectors can never move a view backwards or lose each other's updates.
 */
export interface ViewStore<View extends VersionedView> {
  /** The current view, read consistently; undefined when none was written yet. */
  get(id: string): Promise<View | undefined>;
  /**
   * Several views in one read where the store can (a projector's batch), read
   * consistently; an id with no view is absent from the map. Without it, `get` per id.
   */
  getMany?(ids: readonly string[]): Promise<Map<string, View>>;
  /**
   * Writes `view` if the stored one is still at `readVersion` (0: none stored yet).
   * Throws `ViewConflictError` otherwise.
   */
  put(id: string, view: View, readVersion: number): Promise<void>;
}
