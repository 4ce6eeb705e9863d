import { describe, expect, it } from 'vitest';
import {
  changeBucket,
  changeBucketsBetween,
  changeShardsToRead,
  DEFAULT_CHANGE_INDEX_SHARDS,
  LEGACY_CHANGE_INDEX_SHARDS,
} from './event-store-keys.js';

describe('change index buckets', () => {
  it('put an event under the UTC hour of its timestamp and a shard fixed by its stream', () => {
    const bucket = changeBucket('2026-12-01T08:59:59.999Z', 'customer-1');
    expect(bucket).toMatch(/^2026-12-01T08#\d+$/);
    expect(changeBucket('2026-12-01T08:00:00.000Z', 'customer-1')).toBe(bucket);
    const shards = new Set(
      Array.from({ length: 2000 }, (_, i) => changeBucket('2026-12-01T08:00:00Z', `c-${i}`)),
    );
    // 2000 streams spread over every shard.
    expect(shards.size).toBe(DEFAULT_CHANGE_INDEX_SHARDS);
  });

  it('spread over the count they are given', () => {
    for (const count of [8, 16, 64]) {
      const shards = new Set(
        Array.from({ length: 4000 }, (_, i) => changeBucket('2026-12-01T08:00Z', `c-${i}`, count)),
      );
      expect(shards.size).toBe(count);
    }
  });

  it('at the default, keep every key under 500 writes/s at 10,000 events/s', () => {
    // 100,000 streams, one event each, as an even share of 10,000 events/s.
    const perKey = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const key = changeBucket('2026-12-01T08:00Z', `customer-${i}`);
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    const hottest = Math.max(...perKey.values()) / 100_000;
    expect(hottest * 10_000).toBeLessThan(500);
  });

  it('with 16 shards, are the keys written before the count became a setting', () => {
    // As the previous version wrote them: one hour, FNV-1a of the stream id modulo 16.
    const at = '2026-12-01T08:15:00.000Z';
    expect(changeBucket(at, 'customer-1', LEGACY_CHANGE_INDEX_SHARDS)).toBe('2026-12-01T08#7');
    expect(changeBucket(at, 'c-42', LEGACY_CHANGE_INDEX_SHARDS)).toBe('2026-12-01T08#11');
  });

  it('are read up to the larger of the setting and the 16 of before', () => {
    expect(changeShardsToRead(32)).toBe(32);
    expect(changeShardsToRead(8)).toBe(LEGACY_CHANGE_INDEX_SHARDS);
    // An event written under 16 shards is among the buckets read with the setting at 32.
    const at = '2026-12-01T08:30:00.000Z';
    const read = changeBucketsBetween(at, at, changeShardsToRead(32));
    for (let i = 0; i < 200; i++) {
      expect(read).toContain(changeBucket(at, `c-${i}`, LEGACY_CHANGE_INDEX_SHARDS));
      expect(read).toContain(changeBucket(at, `c-${i}`, 32));
    }
  });

  it('list every hour and shard a range touches, across midnight', () => {
    const buckets = changeBucketsBetween(
      '2026-12-31T23:50:00.000Z',
      '2027-01-01T00:10:00.000Z',
      16,
    );
    expect(buckets).toHaveLength(2 * 16);
    expect(buckets[0]).toBe('2026-12-31T23#0');
    expect(buckets.at(-1)).toBe('2027-01-01T00#15');
    // Any event of the range is in one of them.
    for (const at of ['2026-12-31T23:55:00.000Z', '2027-01-01T00:05:00.000Z']) {
      expect(buckets).toContain(changeBucket(at, 'some-customer', 16));
    }
  });
});
