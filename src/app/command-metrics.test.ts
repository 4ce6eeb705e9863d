import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import { METRIC } from '../core/metrics.js';
import { CustomerCommandService } from './customer/customer-commands.js';

const meta = { correlationId: 'corr-1' };

const setUp = () => {
  const metrics = new InMemoryMetrics();
  const store = new InMemoryEventStore();
  const commands = new CustomerCommandService({
    store,
    metrics,
    conflictRetryBudgetMs: 5000,
  });
  return { metrics, store, commands };
};

describe('command metrics', () => {
  it('counts accepted commands by type, rejected ones by type and reason', async () => {
    const { metrics, commands } = setUp();
    await commands.execute(
      { type: 'RegisterCustomer', data: { customerId: 'm1', email: 'm1@example.com', name: 'M' } },
      meta,
    );
    await commands.execute(
      { type: 'SuspendCustomer', data: { customerId: 'm1', reason: 'x' } },
      meta,
    );
    const refused = [
      { type: 'RegisterCustomer', data: { customerId: 'm2', email: 'nope', name: 'M' } },
      { type: 'SuspendCustomer', data: { customerId: 'absent', reason: 'x' } },
      { type: 'DropEverything', data: {} },
      {
        type: 'UpdateEmail',
        data: { customerId: 'm1', newEmail: 'n@example.com', expectedVersion: 1 },
      },
    ];
    for (const input of refused) await commands.execute(input, meta).catch(() => undefined);

    expect(metrics.total(METRIC.commandAccepted, { commandType: 'RegisterCustomer' })).toBe(1);
    expect(metrics.total(METRIC.commandAccepted, { commandType: 'SuspendCustomer' })).toBe(1);
    expect(
      metrics
        .matching(METRIC.commandRejected)
        .map((p) => [p.dimensions.commandType, p.dimensions.reason]),
    ).toEqual([
      ['RegisterCustomer', 'VALIDATION_FAILED'],
      ['SuspendCustomer', 'CUSTOMER_NOT_FOUND'],
      // A caller's made-up type never becomes a dimension value.
      ['unknown', 'VALIDATION_FAILED'],
      ['UpdateEmail', 'VERSION_CONFLICT'],
    ]);
  });

  it('counts every retry of a lost race', async () => {
    const { metrics, commands, store } = setUp();
    await commands.execute(
      { type: 'RegisterCustomer', data: { customerId: 'r1', email: 'r1@example.com', name: 'R' } },
      meta,
    );
    const writers = Array.from({ length: 5 }, (_, i) =>
      commands.execute(
        { type: 'UpdateEmail', data: { customerId: 'r1', newEmail: `r1-${i}@example.com` } },
        meta,
      ),
    );
    await Promise.all(writers);
    expect((await store.readStream('r1')).length).toBe(6);
    // Five writers that all loaded version 1 land one at a time: at least 4 lost a race.
    expect(metrics.total(METRIC.concurrencyRetry)).toBeGreaterThanOrEqual(4);
    expect(metrics.total(METRIC.commandAccepted, { commandType: 'UpdateEmail' })).toBe(5);
  });
});
