import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLICE_LENGTHS_MS, SliceSizer, timeSlices } from './time-slices.js';

describe('time slices', () => {
  it('cut a range on the grid, each end a millisecond before the next start', () => {
    const slices = [
      ...timeSlices('2026-12-01T07:58:30.250Z', '2026-12-01T08:01:10.000Z', () => 60_000),
    ];
    expect(slices).toEqual([
      { from: '2026-12-01T07:58:30.250Z', to: '2026-12-01T07:58:59.999Z' },
      { from: '2026-12-01T07:59:00.000Z', to: '2026-12-01T07:59:59.999Z' },
      { from: '2026-12-01T08:00:00.000Z', to: '2026-12-01T08:00:59.999Z' },
      { from: '2026-12-01T08:01:00.000Z', to: '2026-12-01T08:01:10.000Z' },
    ]);
  });

  it('hold every instant of the range exactly once, and none outside it', () => {
    const base = Date.parse('2026-12-01T00:00:00.000Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7_200_000 }),
        fc.integer({ min: 0, max: 7_200_000 }),
        fc.constantFrom(1000, 60_000, 300_000, 3_600_000, 7777),
        fc.integer({ min: -1000, max: 7_201_000 }),
        (a, b, sliceMs, probe) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const from = new Date(base + lo).toISOString();
          const to = new Date(base + hi).toISOString();
          const at = new Date(base + probe).toISOString();
          const holding = [...timeSlices(from, to, () => sliceMs)].filter(
            (s) => s.from <= at && at <= s.to,
          );
          expect(holding).toHaveLength(probe >= lo && probe <= hi ? 1 : 0);
        },
      ),
    );
  });

  it('never span two hours when the slice divides an hour', () => {
    for (const slice of timeSlices(
      '2026-12-01T07:10:00.000Z',
      '2026-12-01T10:20:00.000Z',
      () => 900_000,
    )) {
      expect(slice.from.slice(0, 13)).toBe(slice.to.slice(0, 13));
    }
  });

  it('refuse a slice that is not a positive whole number of milliseconds', () => {
    expect(() => [...timeSlices('2026-12-01T07:00:00Z', '2026-12-01T08:00:00Z', () => 0)]).toThrow(
      RangeError,
    );
  });

  it('take the length of each slice as it comes, still on the grid', () => {
    const lengths = [60_000, 300_000, 1000];
    const slices = [
      ...timeSlices(
        '2026-12-01T07:58:30.000Z',
        '2026-12-01T08:10:00.000Z',
        () => lengths.shift() ?? 3_600_000,
      ),
    ];
    expect(slices).toEqual([
      { from: '2026-12-01T07:58:30.000Z', to: '2026-12-01T07:58:59.999Z' },
      { from: '2026-12-01T07:59:00.000Z', to: '2026-12-01T07:59:59.999Z' },
      { from: '2026-12-01T08:00:00.000Z', to: '2026-12-01T08:00:00.999Z' },
      { from: '2026-12-01T08:00:01.000Z', to: '2026-12-01T08:10:00.000Z' },
    ]);
  });
});

describe('slice sizes', () => {
  it('divide an hour', () => {
    for (const length of SLICE_LENGTHS_MS) expect(3_600_000 % length).toBe(0);
  });

  it('grow while slices hold little, shrink when one holds more than the target', () => {
    const sizer = new SliceSizer(1000);
    expect(sizer.lengthMs).toBe(60_000);
    sizer.held(0);
    expect(sizer.lengthMs).toBe(300_000);
    for (let i = 0; i < 10; i++) sizer.held(10);
    expect(sizer.lengthMs).toBe(3_600_000);
    sizer.held(5000);
    expect(sizer.lengthMs).toBe(900_000);
    // Between a quarter of the target and the target: the length stays.
    sizer.held(600);
    expect(sizer.lengthMs).toBe(900_000);
    for (let i = 0; i < 10; i++) sizer.held(5000);
    expect(sizer.lengthMs).toBe(1000);
  });
});
