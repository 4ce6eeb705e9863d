import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entrySize, planBatches } from './put-events-batches.js';

describe('entrySize', () => {
  it('counts source, detail-type, detail and resources in UTF-8 bytes, and 14 for a time', () => {
    expect(entrySize({ Source: 'src', DetailType: 'T', Detail: '{"a":"é"}' })).toBe(3 + 1 + 10);
    expect(entrySize({ Source: 'src', Time: new Date(), Resources: ['arn:x'] })).toBe(3 + 14 + 5);
  });
});

describe('planBatches', () => {
  const limits = { maxEntries: 10, maxBytes: 1000 };

  it('keeps order and respects both limits for any sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 200 }), (sizes) => {
        const items = sizes.map((size, index) => ({ size, index }));
        const batches = planBatches(items, (i) => i.size, limits);
        expect(batches.flat()).toEqual(items);
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(limits.maxEntries);
          expect(batch.reduce((sum, i) => sum + i.size, 0)).toBeLessThanOrEqual(limits.maxBytes);
        }
      }),
    );
  });

  it('starts a new batch only when the next item would not fit', () => {
    expect(planBatches([600, 400, 1, 999, 1], (n) => n, limits)).toEqual([
      [600, 400],
      [1, 999],
      [1],
    ]);
    expect(
      planBatches(
        Array.from({ length: 12 }, () => 1),
        (n) => n,
        limits,
      ).map((b) => b.length),
    ).toEqual([10, 2]);
  });

  it('gives an oversized item a batch of its own', () => {
    expect(planBatches([10, 5000, 10], (n) => n, limits)).toEqual([[10], [5000], [10]]);
  });
});
