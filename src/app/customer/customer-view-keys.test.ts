import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  customerViewIndexKeys,
  DOMAIN_SHARDS,
  domainShardKeys,
  EMAIL_SHARDS,
  emailShardKeys,
  exactEmailShardKey,
  exactEmailSortPrefix,
  STATUS_SHARDS,
  splitEmailSortKey,
  statusShardKeys,
} from './customer-view-keys.js';

const view = (customerId: string, email: string, status = 'ACTIVE') => ({
  customerId,
  email,
  status,
  registrationDate: '2024-03-01T12:00:00.000Z',
});

/** Share of the hottest value among `keys`. */
const hottestShare = (keys: string[]): number => {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return Math.max(...counts.values()) / keys.length;
};

describe('the read model index keys', () => {
  it('are these exact values, in both layouts (stored data depends on them)', () => {
    expect(customerViewIndexKeys(view('c-1', ' Ann@Example.com '))).toEqual({
      emailLower: 'ann@example.com',
      emailBucket: 'a',
      statusSortKey: '2024-03-01T12:00:00.000Z#c-1',
      statusShard: 'ACTIVE#20',
      emailShard: 'a#5',
      emailSortKey: 'ann@example.com#c-1',
      emailDomainShard: 'example.com#5',
    });
  });

  it('put an exact address in the one shard an exact search reads, under its sort prefix', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), (email, id) => {
        const keys = customerViewIndexKeys(view(id, email));
        expect(keys.emailShard).toBe(exactEmailShardKey(keys.emailLower));
        expect(emailShardKeys(keys.emailLower.charAt(0))).toContain(keys.emailShard);
        expect(keys.emailSortKey.startsWith(exactEmailSortPrefix(keys.emailLower))).toBe(true);
        expect(splitEmailSortKey(keys.emailSortKey)).toEqual({
          emailLower: keys.emailLower,
          customerId: id,
        });
        const domain = keys.emailLower.slice(keys.emailLower.lastIndexOf('@') + 1);
        expect(domainShardKeys(domain)).toContain(keys.emailDomainShard);
        expect(statusShardKeys('ACTIVE')).toContain(keys.statusShard);
      }),
    );
  });

  it('keep a longer address out of an exact search', () => {
    const exact = exactEmailSortPrefix('alice@x.com');
    expect(customerViewIndexKeys(view('c-1', 'alice@x.com.au')).emailSortKey).not.toMatch(
      new RegExp(`^${exact.replace(/\./g, '\\.')}`),
    );
  });

  it('keep every key at or under 500 writes/s at 10,000 commands/s, with skewed emails', () => {
    // First letters as real addresses have them: m and j about 9.5% each; gmail.com ~30%.
    const letters: [string, number][] = [
      ['m', 95],
      ['j', 95],
      ['s', 80],
      ['a', 80],
      ['c', 60],
      ['d', 55],
      ['k', 50],
      ['r', 50],
      ['b', 45],
      ['t', 45],
      ['l', 40],
      ['e', 35],
      ['p', 35],
      ['n', 30],
      ['g', 30],
      ['h', 25],
      ['i', 20],
      ['f', 20],
      ['w', 20],
      ['o', 15],
      ['v', 15],
      ['y', 10],
      ['z', 10],
      ['u', 5],
      ['q', 5],
      ['x', 5],
      ['1', 25],
    ];
    const weighted = letters.flatMap(([letter, weight]) => Array<string>(weight).fill(letter));
    const samples = 40_000;
    const views = Array.from({ length: samples }, (_, i) => {
      const letter = weighted[i % weighted.length] as string;
      const domain = i % 10 < 3 ? 'gmail.com' : `d${i % 997}.example`;
      return view(`cust-${i}`, `${letter}user${i}@${domain}`);
    });
    const keys = views.map((v) => customerViewIndexKeys(v));
    const rate = 10_000;
    // Every command rewrites its view, which writes every index that projects it.
    expect(hottestShare(keys.map((k) => k.statusShard)) * rate).toBeLessThanOrEqual(500);
    // The email indexes take ~1.8 writes a command at the mix: 80% email changes delete the
    // old key and put the new one, every other rewrite rewrites the entry.
    const emailIndexWrites = rate * 1.8;
    expect(hottestShare(keys.map((k) => k.emailShard)) * emailIndexWrites).toBeLessThanOrEqual(500);
    expect(
      hottestShare(keys.map((k) => k.emailDomainShard ?? '')) * emailIndexWrites,
    ).toBeLessThanOrEqual(500);
    // Sharding is what did it: the unsharded keys are far over.
    expect(hottestShare(keys.map((k) => k.emailBucket))).toBeGreaterThan(0.09);
    expect([STATUS_SHARDS, EMAIL_SHARDS, DOMAIN_SHARDS]).toEqual([32, 8, 16]);
  });
});
