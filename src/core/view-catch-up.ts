import type { EventEnvelope } from './event.js';
import type { EventStore } from './event-store.js';
import {
  applyEnvelopes,
  EventGapError,
  type Projection,
  placeEvent,
  type VersionedView,
  versionOf,
} from './projection.js';
import { retry } from './retry.js';
import type { ProjectionBinding, StreamTypeBinding } from './stream-types.js';
import { isViewConflictError, type ViewStore } from './view-store.js';

export interface ViewCatchUpOptions<View extends VersionedView> {
  events: Pick<EventStore, 'readStream'>;
  views: ViewStore<View>;
  projection: Projection<View>;
  /** Attempts when another writer moves the view between our read and our write. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface CatchUpTarget {
  /**
   * A version the caller was told the stream reached (a notification): a view already at
   * it is left alone without reading the store. Whatever its value, the view moves only by
   * what the store holds, to the end of the stream.
   */
  upTo?: number;
}

export interface CatchUpOutcome {
  status: 'already-applied' | 'applied';
  /** The view's version afterwards: the end of the stream as read, unless the view was ahead. */
  version: number;
  /** Events this call applied. */
  applied: number;
  /** When the last event applied was accepted (from the store), for the projection lag. */
  lastAppliedAt?: string;
}

/**
 * Moves one view forward to the fold of its stream: read the view, read what follows its
 * version from the event store (one strongly consistent read, to the end of the stream),
 * write conditionally on the version read. Nothing else is ever applied: duplicates,
 * reordering, concurrent writers and forged notifications all converge to the fold of the
 * store, because a view only moves forward by events read from it, in order.
 */
export class ViewCatchUp<View extends VersionedView> {
  private readonly maxAttempts: number;

  constructor(private readonly options: ViewCatchUpOptions<View>) {
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  async catchUp(aggregateId: string, target: CatchUpTarget = {}): Promise<CatchUpOutcome> {
    return this.withRetry(aggregateId, target);
  }

  /**
   * Several views at once, as a projector's batch needs them: their views in one read
   * (`getMany`, where the store has it), then each view caught up on its own, so one
   * aggregate's failure is that aggregate's alone. A failed batch read fails them all.
   */
  async catchUpMany(
    targets: ReadonlyMap<string, CatchUpTarget>,
  ): Promise<Map<string, PromiseSettledResult<CatchUpOutcome>>> {
    const ids = [...targets.keys()];
    let prefetched: Map<string, View> | undefined;
    if (this.options.views.getMany && ids.length > 1) {
      try {
        prefetched = await this.options.views.getMany(ids);
      } catch (error) {
        // A failed batch read (a denied BatchGetItem, a throttle past its retries) fails every
        // view of the batch: reading each view on its own instead would hide it.
        return new Map(ids.map((id) => [id, { status: 'rejected', reason: error }]));
      }
    }
    const settled = await Promise.allSettled(
      ids.map((id) =>
        this.withRetry(
          id,
          targets.get(id) ?? {},
          prefetched ? { view: prefetched.get(id) } : undefined,
        ),
      ),
    );
    return new Map(
      ids.map((id, index) => [id, settled[index] as PromiseSettledResult<CatchUpOutcome>]),
    );
  }

  private withRetry(
    aggregateId: string,
    target: CatchUpTarget,
    first?: { view: View | undefined },
  ): Promise<CatchUpOutcome> {
    // The view read in a batch serves the first attempt only; a retry reads it again.
    let read = first;
    return retry(
      () => {
        const given = read;
        read = undefined;
        return this.catchUpOnce(aggregateId, target, given);
      },
      {
        maxAttempts: this.maxAttempts,
        initialDelayMs: 10,
        maxDelayMs: 1000,
        jitter: 'full',
        // Another projector moved the view between our read and our write: read again.
        retryable: isViewConflictError,
        ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      },
    );
  }

  private async catchUpOnce(
    aggregateId: string,
    target: CatchUpTarget,
    given?: { view: View | undefined },
  ): Promise<CatchUpOutcome> {
    const view = given ? given.view : await this.options.views.get(aggregateId);
    const at = versionOf(view);
    if (target.upTo !== undefined && placeEvent(at, target.upTo) === 'applied') {
      return { status: 'already-applied', version: at, applied: 0 };
    }
    const missing = await this.eventsAfter(aggregateId, at);
    const next = applyEnvelopes(this.options.projection, view, missing);
    const last = missing.at(-1);
    if (!next || !last) return { status: 'already-applied', version: at, applied: 0 };
    await this.options.views.put(aggregateId, next, at);
    return {
      status: 'applied',
      version: next.version,
      applied: missing.length,
      lastAppliedAt: last.timestamp,
    };
  }

  /** The stream after `at`, to its end, refusing a range with a hole in it. */
  private async eventsAfter(aggregateId: string, at: number): Promise<EventEnvelope[]> {
    const events = await this.options.events.readStream(aggregateId, { fromVersion: at + 1 });
    events.forEach((event, index) => {
      if (event.version !== at + 1 + index) {
        throw new EventGapError(aggregateId, at + 1 + index, event.version);
      }
    });
    return events;
  }
}

/**
 * One `ViewCatchUp` per read model, made on its first use: what every consumer that routes
 * streams by type to their read models (projector, reconciler, rebuild) keeps.
 */
export const catchUpsPerReadModel = (
  settings: Pick<ViewCatchUpOptions<VersionedView>, 'maxAttempts' | 'sleep'> = {},
): ((type: StreamTypeBinding, binding: ProjectionBinding) => ViewCatchUp<VersionedView>) => {
  const made = new Map<string, ViewCatchUp<VersionedView>>();
  return (type, binding) => {
    let catchUp = made.get(binding.name);
    if (!catchUp) {
      catchUp = new ViewCatchUp({
        events: type.events,
        views: binding.views,
        projection: binding.projection,
        ...(settings.maxAttempts === undefined ? {} : { maxAttempts: settings.maxAttempts }),
        ...(settings.sleep === undefined ? {} : { sleep: settings.sleep }),
      });
      made.set(binding.name, catchUp);
    }
    return catchUp;
  };
};
