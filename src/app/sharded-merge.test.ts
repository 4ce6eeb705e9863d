import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeShards, type ShardReader } from './sharded-merge.js';

/** A shard over sorted keys that answers batches as a paged query does, counting reads. */
const shardOf = (keys: string[], reads: { items: number }, cutEvery = 0): ShardReader<string> => {
  let next = 0;
  let calls = 0;
  return async (limit) => {
    calls++;
    // Now and then an empty batch that still has more, as a size-cut page can be.
    if (cutEvery > 0 && calls % cutEvery === 0) return { items: [], more: next < keys.length };
    const items = keys.slice(next, next + limit);
    next += items.length;
    reads.items += items.length;
    return { items, more: next < keys.length };
  };
};

describe('mergeShards', () => {
  it('returns the first items of the union in order, whatever the split over shards', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom(0, 2, 3),
        async (keys, shardCount, count, cutEvery) => {
          const shards = Array.from({ length: shardCount }, () => [] as string[]);
          for (const [i, key] of keys.entries()) shards[(i * 7) % shardCount]?.push(key);
          const reads = { items: 0 };
          const merged = await mergeShards(
            shards.map((s) => shardOf([...s].sort(), reads, cutEvery)),
            (k) => k,
            count,
          );
          expect(merged).toEqual([...keys].sort().slice(0, count));
        },
      ),
    );
  });

  it('reads a few items per shard beyond the page, not a page per shard', async () => {
    const keys = Array.from({ length: 32 * 200 }, (_, i) => `k${String(i).padStart(6, '0')}`);
    const shards = Array.from({ length: 32 }, (_, s) => keys.filter((_, i) => i % 32 === s));
    const reads = { items: 0 };
    const merged = await mergeShards(
      shards.map((s) => shardOf(s, reads)),
      (k) => k,
      101,
    );
    expect(merged).toEqual(keys.slice(0, 101));
    expect(reads.items).toBeLessThan(32 * 101);
    expect(reads.items).toBeLessThanOrEqual(32 * 10);
  });
});
