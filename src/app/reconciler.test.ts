import { describe, expect, it } from 'vitest';
import { expectedView, runHistories } from '../../test/support/customer-histories.js';
import { addTallies, customersAndTallies, tallyOf } from '../../test/support/tally-stream-type.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import { METRIC } from '../core/metrics.js';
import type { Checkpoints, StreamChange, StreamChanges } from '../core/stream-changes.js';
import { UnregisteredStreamTypeError } from '../core/stream-types.js';
import { reconcileViews } from './reconciler.js';

const NOW = Date.parse('2026-01-01T02:00:00.000Z');
const CHANGED_AT = '2026-01-01T01:30:00.000Z';

/** The change index as a list: what changed in a range, typed by its stream's prefix. */
const changesOf = (changes: StreamChange[]): StreamChanges => ({
  async *changesBetween(from, to) {
    yield changes.filter((c) => c.timestamp >= from && c.timestamp <= to);
  },
});

const checkpointsInMemory = (): Checkpoints & { values: Map<string, string> } => {
  const values = new Map<string, string>();
  return {
    values,
    read: async (name) => values.get(name),
    write: async (name, value) => {
      values.set(name, value);
    },
  };
};

describe('reconcileViews over several stream types', () => {
  it('catches up each changed stream’s read models by its type; an unregistered type is a failure, counted, and the run goes on', async () => {
    const { customers, tallies, customerViews, tallyViews, streams } = customersAndTallies();
    const [same = ''] = await runHistories(customers, [['email', 'suspend']], 'same');
    await addTallies(tallies, same, [2, 3]);
    await addTallies(tallies, 't-1', [9]);
    // t-1's view is current: nothing to heal there.
    await tallyViews.put('t-1', tallyOf('t-1', [9]), 0);
    const change = (aggregateType: string, aggregateId: string, version: number) => ({
      aggregateType,
      aggregateId,
      version,
      timestamp: CHANGED_AT,
    });
    const checkpoints = checkpointsInMemory();
    const metrics = new InMemoryMetrics();

    const report = await reconcileViews({
      changes: changesOf([
        change('Customer', same, 3),
        change('Tally', same, 2),
        change('Tally', 't-1', 1),
        change('?ORDER', 'o-1', 1),
      ]),
      checkpoints,
      streams,
      name: 'reconciler#views',
      clock: { now: () => new Date(NOW) },
      initialLookbackMs: 2 * 60 * 60_000,
      sliceMs: 60 * 60_000,
      metrics,
    });

    expect(report).toMatchObject({ complete: true, healed: 2, failed: 1, reached: report.to });
    expect(report.failures).toEqual([
      {
        aggregateType: '?ORDER',
        aggregateId: 'o-1',
        error: expect.any(UnregisteredStreamTypeError),
      },
    ]);
    expect(await customerViews.get(same)).toEqual(await expectedView(customers, same));
    expect(await tallyViews.get(same)).toEqual(tallyOf(same, [2, 3]));
    expect(checkpoints.values.get('reconciler#views')).toBe(report.to);
    expect(metrics.total(METRIC.unregisteredStreamType, { consumer: 'reconciler' })).toBe(1);
    expect(metrics.total(METRIC.reconcileFailed)).toBe(1);
    expect(metrics.total(METRIC.viewsHealed)).toBe(2);
  });
});
