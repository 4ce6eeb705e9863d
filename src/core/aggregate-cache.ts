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

/**
 * Least recently used first out, bounded by a count of entries: a `Map` keeps insertion
 * order, so re-inserting on every hit makes its first key the least recently used.
 */
export class LruAggregateCache<State> implements AggregateCache<State> {
  private readonly entries = new Map<string, CachedAggregate<State>>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive whole number, not ${maxEntries}`);
    }
  }

  get(aggregateId: string): CachedAggregate<State> | undefined {
    const entry = this.entries.get(aggregateId);
    if (!entry) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    this.entries.delete(aggregateId);
    this.entries.set(aggregateId, entry);
    return entry;
  }

  set(aggregateId: string, entry: CachedAggregate<State>): void {
    this.entries.delete(aggregateId);
    this.entries.set(aggregateId, entry);
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
