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

/** A view item as stored, read for a repair. */
export interface StoredView {
  /** The item as the current code reads it, index attributes included where stored. */
  item: Record<string, unknown>;
  /** The item exactly as stored: what a `replace` is conditional on. */
  readonly stored: Readonly<Record<string, unknown>>;
}

/**
 * A view store that can also put a view back to the fold of its stream, at any version
 * (a repair): only on request, and only if nothing touched the item since it was read.
 */
export interface RepairableViewStore<View extends VersionedView> extends ViewStore<View> {
  /** True when items carry the index attributes beside the view's fields. */
  readonly storesIndexKeys: boolean;
  /** The stored item, read consistently; undefined when there is none. */
  getStored(id: string): Promise<StoredView | undefined>;
  /**
   * Writes `view` (its whole item) if the stored item is still exactly `read` (none stored,
   * when undefined), whatever the versions. Throws `ViewConflictError` otherwise.
   */
  replace(id: string, view: View, read: StoredView | undefined): Promise<void>;
}
