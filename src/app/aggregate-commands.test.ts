import { describe, expect, it } from 'vitest';
import { TallyNotFoundError, tallyModel } from '../../test/support/tally-aggregate.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import { ConcurrencyError, UniquenessError, ValidationError } from '../core/errors.js';
import { METRIC } from '../core/metrics.js';
import { AggregateCommands } from './aggregate-commands.js';

const meta = { correlationId: 'corr-t' };

const setUp = (model = tallyModel()) => {
  const store = new InMemoryEventStore();
  const metrics = new InMemoryMetrics();
  const erased: string[] = [];
  let n = 0;
  const commands = new AggregateCommands(model, {
    store,
    metrics,
    ids: { newId: () => `id-${++n}` },
    erase: async (id) => {
      erased.push(id);
    },
  });
  return { store, metrics, commands, erased };
};

describe('AggregateCommands, over any module', () => {
  it('stamps the module type on the envelopes, at the latest schema version', async () => {
    const { store, commands } = setUp();
    await commands.execute({ type: 'OpenTally', data: { tallyId: 't1', label: 'a' } }, meta);
    await commands.execute({ type: 'AddToTally', data: { tallyId: 't1', amount: 3 } }, meta);
    const stored = await store.readStream('t1');
    expect(stored.map((e) => [e.aggregateType, e.eventType, e.metadata.schemaVersion])).toEqual([
      ['Tally', 'TallyOpened', 1],
      ['Tally', 'TallyAdded', 2],
    ]);
  });

  it('completes the input before validating it: the same key lands on the same stream', async () => {
    const { store, commands } = setUp();
    const open = { type: 'OpenTally', data: { label: 'keyed' } };
    const first = await commands.execute(open, { ...meta, commandId: 'k1' });
    const retry = await commands.execute(open, { ...meta, commandId: 'k1' });
    const unkeyed = await commands.execute({ type: 'OpenTally', data: { label: 'b' } }, meta);
    expect(first).toMatchObject({ aggregateId: 'tally-k1', version: 1, replayed: false });
    expect(retry).toMatchObject({ aggregateId: 'tally-k1', version: 1, replayed: true });
    expect(unkeyed.aggregateId).toMatch(/^id-\d+$/);
    expect(await store.readStream('tally-k1')).toHaveLength(1);
  });

  it('names every bad field and writes nothing', async () => {
    const { store, commands } = setUp();
    const error = await commands
      .execute({ type: 'OpenTally', data: { tallyId: '', label: '' } }, meta)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.map((d) => d.field).sort()).toEqual([
      'data.label',
      'data.tallyId',
    ]);
    expect(await store.readStream('')).toEqual([]);
  });

  it("takes the stream and expectedVersion from the module's target", async () => {
    const { store, commands } = setUp();
    await commands.execute({ type: 'OpenTally', data: { tallyId: 't2', label: 'c' } }, meta);
    const stale = { type: 'AddToTally', data: { tallyId: 't2', amount: 1, expectedVersion: 0 } };
    await expect(commands.execute(stale, meta)).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.readStream('t2')).toHaveLength(1);
  });

  it("writes the module's unique claims with the events", async () => {
    const { commands } = setUp();
    await commands.execute({ type: 'OpenTally', data: { tallyId: 't3', label: 'same' } }, meta);
    await expect(
      commands.execute({ type: 'OpenTally', data: { tallyId: 't4', label: 'same' } }, meta),
    ).rejects.toBeInstanceOf(UniquenessError);
  });

  it('runs the after-command hook after every accepted command, a replayed one too', async () => {
    const seen: string[] = [];
    const { commands, erased } = setUp(
      tallyModel(async (command, { evict, erase }) => {
        seen.push(command.type);
        if (command.type === 'AddToTally') {
          evict(command.data.tallyId);
          await erase(command.data.tallyId);
        }
      }),
    );
    await commands.execute({ type: 'OpenTally', data: { tallyId: 't5', label: 'd' } }, meta);
    const add = { type: 'AddToTally', data: { tallyId: 't5', amount: 2 } };
    await commands.execute(add, { ...meta, commandId: 'add-1' });
    await commands.execute(add, { ...meta, commandId: 'add-1' });
    await commands
      .execute({ type: 'AddToTally', data: { tallyId: 'absent', amount: 2 } }, meta)
      .catch(() => undefined);
    expect(seen).toEqual(['OpenTally', 'AddToTally', 'AddToTally']);
    expect(erased).toEqual(['t5', 't5']);
  });

  it("answers the history in the latest shape, or the module's not-found error", async () => {
    const { store, commands } = setUp();
    await store.append(
      'old',
      [
        {
          eventId: 'e1',
          aggregateType: 'Tally',
          aggregateId: 'old',
          eventType: 'TallyAdded',
          payload: { tens: 4 },
          timestamp: '2026-12-01T00:00:00.000Z',
          version: 1,
          metadata: { correlationId: 'c', schemaVersion: 1 },
        },
      ],
      { expectedVersion: 0 },
    );
    const history = await commands.history('old');
    expect(history.map((e) => [e.payload, e.metadata.schemaVersion])).toEqual([
      [{ amount: 40 }, 2],
    ]);
    await expect(commands.history('none')).rejects.toBeInstanceOf(TallyNotFoundError);
  });

  it("counts commands by the module's types, anything else as unknown", async () => {
    const { metrics, commands } = setUp();
    await commands.execute({ type: 'OpenTally', data: { tallyId: 't6', label: 'e' } }, meta);
    await commands.execute({ type: 'Explode', data: {} }, meta).catch(() => undefined);
    expect(metrics.total(METRIC.commandAccepted, { commandType: 'OpenTally' })).toBe(1);
    expect(
      metrics.total(METRIC.commandRejected, {
        commandType: 'unknown',
        reason: 'VALIDATION_FAILED',
      }),
    ).toBe(1);
  });
});
