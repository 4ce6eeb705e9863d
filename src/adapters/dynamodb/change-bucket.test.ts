import { describe, expect, it } from 'vitest';
import { CHANGE_INDEX_SHARDS, changeBucket, changeBucketsBetween } from './event-store-keys.js';

describe('change index buckets', () => {
  it('put an event under the UTC hour of its timestamp and a shard fixed by its stream', () => {
    const bucket = changeBucket('2026-12-01T08:59:59.999Z', 'customer-1');
    expect(bucket).toMatch(/^2026-12-01T08#\d+$/);
    expect(changeBucket('2026-12-01T08:00:00.000Z', 'customer-1')).toBe(bucket);
    const shards = new Set(
      Array.from({ length: 2000 }, (_, i) => changeBucket('2026-12-01T08:00:00Z', `c-${i}`)),
    );
    // 2000 streams spread over every shard.
    expect(shards.size).toBe(CHANGE_INDEX_SHARDS);
  });

  it('list every hour and shard a range touches, across midnight', () => {
    const buckets = changeBucketsBetween('2026-12-31T23:50:00.000Z', '2027-01-01T00:10:00.000Z');
    expect(buckets).toHaveLength(2 * CHANGE_INDEX_SHARDS);
    expect(buckets[0]).toBe('2026-12-31T23#0');
    expect(buckets.at(-1)).toBe(`2027-01-01T00#${CHANGE_INDEX_SHARDS - 1}`);
    // Any event of the range is in one of them.
    for (const at of ['2026-12-31T23:55:00.000Z', '2027-01-01T00:05:00.000Z']) {
      expect(buckets).toContain(changeBucket(at, 'some-customer'));
    }
  });
});
