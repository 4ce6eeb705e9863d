export interface DataKeyCacheOptions {
  /** At most this many keys are held; the least recently used goes first. */
  maxEntries: number;
  /**
   * A key is dropped this long after it was unwrapped, however often it is used. A read that
   * sees the erasure event drops it at once; this bounds the rest (a read of a range that
   * ends before the erasure).
   */
  maxAgeMs: number;
  /** Milliseconds since an epoch, as `Date.now`. */
  now?: () => number;
}

interface Entry {
  key: Uint8Array;
  storedAt: number;
}

/**
 * Unwrapped data keys by subject, so a warm command makes no KMS call. Bounded by count
 * (least recently used evicted) and by age. A `Map` keeps insertion order, so re-inserting
 * on use makes its first entry the least recently used.
 */
export class DataKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  constructor(options: DataKeyCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, not ${options.maxEntries}`);
    if (!(options.maxAgeMs > 0))
      throw new RangeError(`maxAgeMs must be a positive number, not ${options.maxAgeMs}`);
    this.maxEntries = options.maxEntries;
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(subjectId: string): Uint8Array | undefined {
    const entry = this.entries.get(subjectId);
    if (!entry) return undefined;
    this.entries.delete(subjectId);
    if (this.now() - entry.storedAt >= this.maxAgeMs) return undefined;
    this.entries.set(subjectId, entry);
    return entry.key;
  }

  set(subjectId: string, key: Uint8Array): void {
    this.entries.delete(subjectId);
    this.entries.set(subjectId, { key, storedAt: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(subjectId: string): void {
    this.entries.delete(subjectId);
  }

  clear(): void {
    this.entries.clear();
  }
}
