import type { EventStore } from '../core/event-store.js';
import type { VersionedView } from '../core/projection.js';
import { retry } from '../core/retry.js';
import { isViewConflictError, type RepairableViewStore } from '../core/view-store.js';
import { type AuditFinding, compareWithStream, type ReadModelShape } from './audit.js';

/** One read model to repair: its stream type's events, its store, projection and item shape. */
export interface ViewRepairSources<View extends VersionedView = VersionedView>
  extends ReadModelShape<View> {
  events: Pick<EventStore, 'readStream'>;
  views: RepairableViewStore<View>;
}

export interface ViewRepairOptions {
  /** Attempts when another writer changes the view between the read and the rewrite. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ViewRepair {
  aggregateId: string;
  /** What the comparison found (on the last attempt), before any rewrite. */
  finding: AuditFinding;
  /** Fields whose stored value differed from the fold's. */
  fields: string[];
  /** Version of the fold of the stream (for `unprojectable`: the last event that folds). */
  expectedVersion: number | undefined;
  actualVersion: number | undefined;
  /** The view was put back to the fold of its stream. */
  rewritten: boolean;
  /** Why the stream does not fold (`unprojectable` only). */
  error?: string;
}

/**
 * Findings a repair rewrites with the fold. `unprojectable` needs a fix in the code first;
 * an `orphan` (a view without a stream) is reported, not deleted: which writer made it is
 * the question to answer first.
 */
const REWRITTEN: ReadonlySet<AuditFinding> = new Set(['missing', 'behind', 'ahead', 'different']);

/**
 * Puts one view back to the fold of its stream, whatever its version: the audit's
 * comparison, then a rewrite conditional on the item exactly as read, so a projector (or
 * anyone) that moves the view in between wins, and the repair reads both again and retries.
 * The view is read before the stream: every event a projector folded into it was in the
 * store before the view was written, so a stream read afterwards holds them all, and a view
 * found ahead of it is ahead for good, never a write that raced the read.
 */
export const repairView = async <View extends VersionedView>(
  aggregateId: string,
  sources: ViewRepairSources<View>,
  options: ViewRepairOptions = {},
): Promise<ViewRepair> =>
  retry(
    async () => {
      const read = await sources.views.getStored(aggregateId);
      const events = await sources.events.readStream(aggregateId);
      const comparison = compareWithStream(events, read?.item, sources);
      const { expected, finding, fields, expectedVersion, actualVersion, error } = comparison;
      const rewrite = expected !== undefined && REWRITTEN.has(finding);
      if (rewrite) await sources.views.replace(aggregateId, expected, read);
      return {
        aggregateId,
        finding,
        fields,
        expectedVersion,
        actualVersion,
        rewritten: rewrite,
        ...(error === undefined ? {} : { error }),
      };
    },
    {
      maxAttempts: options.maxAttempts ?? 5,
      initialDelayMs: 10,
      maxDelayMs: 500,
      jitter: 'full',
      retryable: isViewConflictError,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
  );
