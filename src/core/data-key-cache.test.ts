import { describe, expect, it } from 'vitest';
import { DataKeyCache } from './data-key-cache.js';

const key = (n: number) => new Uint8Array(32).fill(n);

describe('DataKeyCache', () => {
  const clock = () => {
    let now = 1_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('returns what was stored until the key is deleted', () => {
    const cache = new DataKeyCache({ maxEntries: 10, maxAgeMs: 60_000 });
    cache.set('a', key(1));
    expect(cache.get('a')).toEqual(key(1));
    expect(cache.get('b')).toBeUndefined();
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used key beyond maxEntries', () => {
    const cache = new DataKeyCache({ maxEntries: 3, maxAgeMs: 60_000 });
    cache.set('a', key(1));
    cache.set('b', key(2));
    cache.set('c', key(3));
    expect(cache.get('a')).toEqual(key(1)); // a is now the most recent; b the least
    cache.set('d', key(4));
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([key(1), key(3), key(4)]);
  });

  it('drops a key maxAgeMs after it was stored, however often it was used', () => {
    const time = clock();
    const cache = new DataKeyCache({ maxEntries: 10, maxAgeMs: 1_000, now: time.now });
    cache.set('a', key(1));
    time.advance(600);
    expect(cache.get('a')).toEqual(key(1));
    time.advance(399);
    expect(cache.get('a')).toEqual(key(1));
    time.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('restarts the age of a key stored again', () => {
    const time = clock();
    const cache = new DataKeyCache({ maxEntries: 10, maxAgeMs: 1_000, now: time.now });
    cache.set('a', key(1));
    time.advance(900);
    cache.set('a', key(2));
    time.advance(900);
    expect(cache.get('a')).toEqual(key(2));
    expect(cache.size).toBe(1);
  });

  it('refuses bounds that are not positive, naming them', () => {
    expect(() => new DataKeyCache({ maxEntries: 0, maxAgeMs: 1 })).toThrow(/maxEntries/);
    expect(() => new DataKeyCache({ maxEntries: 1.5, maxAgeMs: 1 })).toThrow(/maxEntries/);
    expect(() => new DataKeyCache({ maxEntries: 1, maxAgeMs: 0 })).toThrow(/maxAgeMs/);
    expect(() => new DataKeyCache({ maxEntries: 1, maxAgeMs: Number.NaN })).toThrow(/maxAgeMs/);
  });
});
