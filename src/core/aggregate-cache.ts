/**
 * The state of one aggregate as this process last saw it commit. It is a guess about the
 * store, never the truth: the command handler decides on it only because the append is
 * conditional on `version`, so a stale entry can never commit.
 */
export interface CachedAggregate<State> {
  state: State;
  version: number;
  /** Events written since the latest snapshot, so the snapshot policy runs as on a load. */
  sinceSnapshot: number;
}

/** Recently used aggregates kept in memory by the command handler. */
export interface AggregateCache<State> {
  get(aggregateId: string): CachedAggregate<State> | undefined;
  set(aggregateId: string, entry: CachedAggregate<State>): void;
  /** Forget one aggregate (a failed append, a forgotten customer). */
  evict(aggregateId: string): void;
}

export interface AggregateCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  /** Entries held now. */
  size: number;
  maxEntries: number;
}

export interface LruAggregateCacheOptions {
  /**
   * How long an entry may be used after it was stored. A state holds personal data in
   * plaintext: when another process forgets the customer, this bounds how long it lingers
   * here (it can never commit: the stream has moved on).
   */
  maxAgeMs?: number;
  /** Milliseconds since an epoch, as `Date.now`. */
  now?: () => number;
}

/**
 * Least recently used first out, bounded by a count of entries and an age: a `Map` keeps
 * insertion order, so re-inserting on every hit makes its first key the least recently used.
 */
export class LruAggregateCache<State> implements AggregateCache<State> {
  private readonly entries = new Map<string, { entry: CachedAggregate<State>; at: number }>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    readonly maxEntries: number,
    options: LruAggregateCacheOptions = {},
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive whole number, not ${maxEntries}`);
    }
    this.maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
  }

  get(aggregateId: string): CachedAggregate<State> | undefined {
    const held = this.entries.get(aggregateId);
    if (held && this.now() - held.at > this.maxAgeMs) {
      this.entries.delete(aggregateId);
      this.evictions += 1;
    } else if (held) {
      this.hits += 1;
      this.entries.delete(aggregateId);
      this.entries.set(aggregateId, held);
      return held.entry;
    }
    this.misses += 1;
    return undefined;
  }

  set(aggregateId: string, entry: CachedAggregate<State>): void {
    this.entries.delete(aggregateId);
    this.entries.set(aggregateId, { entry, at: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      this.evictions += 1;
    }
  }

  evict(aggregateId: string): void {
    if (this.entries.delete(aggregateId)) this.evictions += 1;
  }

  stats(): AggregateCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      size: this.entries.size,
      maxEntries: this.maxEntries,
    };
  }
}
