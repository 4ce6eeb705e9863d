/** One batch of a shard's items, in sort-key order, after those it returned before. */
export interface ShardBatch<T> {
  items: T[];
  /** The shard may hold more after this batch. */
  more: boolean;
}

/** Reads a shard onward: each call returns up to `limit` items after the previous call's. */
export type ShardReader<T> = (limit: number) => Promise<ShardBatch<T>>;

/** A shard's first batch: enough that most pages need one round, and cheap (a 4 KB read unit). */
const MIN_BATCH = 10;

/**
 * The first `count` items of several sorted shards, in order of `sortKey` (unique across
 * shards). An item is emitted only when every shard not yet exhausted has an item buffered,
 * so nothing smaller can still come; a shard whose buffer runs dry is read again (all such
 * shards at once), with a batch twice its last. Each shard reads a few items more than it
 * contributes, not `count` each.
 */
export const mergeShards = async <T>(
  shards: readonly ShardReader<T>[],
  sortKey: (item: T) => string,
  count: number,
): Promise<T[]> => {
  const first = Math.min(count, Math.max(MIN_BATCH, Math.ceil((2 * count) / shards.length)));
  const state = shards.map((read) => ({
    read,
    buffer: [] as T[],
    next: 0,
    more: true,
    batch: first,
  }));
  const merged: T[] = [];
  while (merged.length < count) {
    const dry = state.filter((s) => s.next >= s.buffer.length && s.more);
    await Promise.all(
      dry.map(async (s) => {
        const { items, more } = await s.read(s.batch);
        s.buffer = items;
        s.next = 0;
        s.more = more;
        s.batch = Math.min(s.batch * 2, Math.max(count, MIN_BATCH));
      }),
    );
    // A shard may answer an empty batch that still says "more" (a page cut by size): read on.
    if (state.some((s) => s.next >= s.buffer.length && s.more)) continue;
    let smallest: (typeof state)[number] | undefined;
    for (const s of state) {
      const head = s.buffer[s.next];
      if (head === undefined) continue;
      const best = smallest?.buffer[smallest.next];
      if (best === undefined || sortKey(head) < sortKey(best)) smallest = s;
    }
    if (!smallest) break;
    merged.push(smallest.buffer[smallest.next] as T);
    smallest.next++;
  }
  return merged;
};
