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
  /** Bring the view at least to this version; to the end of the stream when absent. */
  upTo?: number;
  /** The event at `upTo` when the caller already holds it (saves a read when next in line). */
  known?: EventEnvelope;
  /**
   * Events of this stream the caller already holds (a batch's notifications), in any
   * order: a contiguous run of them ending at `upTo` is not read again.
   */
  knownEvents?: readonly EventEnvelope[];
}

export interface CatchUpOutcome {
  status: 'already-applied' | 'applied';
  /** The view's version afterwards (as far as this writer knows). */
  version: number;
  /** Events this call applied. */
  applied: number;
}

/**
 * Moves one view forward to the fold of its stream: read the view, work out what it lacks,
 * fetch that from the event store, write conditionally on the version read. Duplicates,
 * reordering and concurrent writers all converge, because a view only ever moves forward
 * by events read from the store, in order.
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
   * aggregate's failure is that aggregate's alone.
   */
  async catchUpMany(
    targets: ReadonlyMap<string, CatchUpTarget>,
  ): Promise<Map<string, PromiseSettledResult<CatchUpOutcome>>> {
    const ids = [...targets.keys()];
    let prefetched: Map<string, View> | undefined;
    if (this.options.views.getMany && ids.length > 1) {
      // A failed batch read costs the batch nothing: each view is then read on its own.
      prefetched = await this.options.views.getMany(ids).catch(() => undefined);
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
    const missing = await this.missingEvents(aggregateId, at, target);
    if (missing.length === 0) return { status: 'already-applied', version: at, applied: 0 };
    const next = applyEnvelopes(this.options.projection, view, missing);
    if (!next) return { status: 'already-applied', version: at, applied: 0 };
    await this.options.views.put(aggregateId, next, at);
    return { status: 'applied', version: next.version, applied: missing.length };
  }

  private async missingEvents(
    aggregateId: string,
    at: number,
    target: CatchUpTarget,
  ): Promise<EventEnvelope[]> {
    const { upTo } = target;
    const held = new Map<number, EventEnvelope>();
    for (const event of [...(target.knownEvents ?? []), ...(target.known ? [target.known] : [])]) {
      if (event.version > at) held.set(event.version, event);
    }
    // The run of held events that ends at `upTo`: only what lies before it is read.
    let tailStart = upTo === undefined ? undefined : upTo + 1;
    while (tailStart !== undefined && tailStart - 1 > at && held.has(tailStart - 1)) tailStart -= 1;
    const tail: EventEnvelope[] = [];
    if (upTo !== undefined && tailStart !== undefined) {
      for (let version = tailStart; version <= upTo; version++) {
        tail.push(held.get(version) as EventEnvelope);
      }
    }
    if (tailStart === at + 1) return tail;
    const toVersion = tail.length > 0 ? (tailStart as number) - 1 : upTo;
    const read = await this.options.events.readStream(aggregateId, {
      fromVersion: at + 1,
      ...(toVersion === undefined ? {} : { toVersion }),
    });
    const events = [...read, ...tail];
    // Refuse a partial range (say, a replica still behind): a later redelivery will see it.
    events.forEach((event, index) => {
      if (event.version !== at + 1 + index) {
        throw new EventGapError(aggregateId, at + 1 + index, event.version);
      }
    });
    if (upTo !== undefined && versionOf(events.at(-1)) < upTo) {
      throw new EventGapError(aggregateId, versionOf(events.at(-1)) + 1, undefined);
    }
    return events;
  }
}
