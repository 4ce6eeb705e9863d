import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import {
  ConcurrencyError,
  NotFoundError,
  UniquenessError,
  ValidationError,
} from '../core/errors.js';
import { METRIC } from '../core/metrics.js';
import { createUpcaster, firstVersion } from '../core/upcasting.js';
import { AggregateCommands, type CommandModel } from './aggregate-commands.js';

/** A tally with a unique label: the smallest aggregate that uses every part of the model. */
const TallyCommand = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('OpenTally'),
    data: z.strictObject({ tallyId: z.string().min(1), label: z.string().min(1) }),
  }),
  z.strictObject({
    type: z.literal('AddToTally'),
    data: z.strictObject({
      tallyId: z.string().min(1),
      amount: z.number().int().positive(),
      expectedVersion: z.number().int().min(0).optional(),
    }),
  }),
]);
type TallyCommand = z.infer<typeof TallyCommand>;
type TallyEvent =
  | { type: 'TallyOpened'; data: { label: string } }
  | { type: 'TallyAdded'; data: { amount: number } };
type TallyState = { open: false } | { open: true; total: number };

class TallyNotFoundError extends NotFoundError {
  override readonly code = 'TALLY_NOT_FOUND';
}

const tallyModel = (
  afterCommand?: CommandModel<TallyState, TallyCommand, TallyEvent>['afterCommand'],
): CommandModel<TallyState, TallyCommand, TallyEvent> => ({
  type: 'Tally',
  decider: {
    initialState: () => ({ open: false }),
    decide: (command, state) => {
      if (command.type === 'OpenTally') {
        return state.open ? [] : [{ type: 'TallyOpened', data: { label: command.data.label } }];
      }
      if (!state.open) throw new TallyNotFoundError(`No tally ${command.data.tallyId}`);
      return [{ type: 'TallyAdded', data: { amount: command.data.amount } }];
    },
    evolve: (state, event) =>
      event.type === 'TallyOpened'
        ? { open: true, total: 0 }
        : { open: true, total: (state.open ? state.total : 0) + event.data.amount },
  },
  commandSchema: TallyCommand,
  commandTypes: TallyCommand.options.map((o) => o.shape.type.value),
  target: (command) => ({
    aggregateId: command.data.tallyId,
    expectedVersion: 'expectedVersion' in command.data ? command.data.expectedVersion : undefined,
  }),
  completeCommand: (input, { commandId, newId }) => {
    const { type, data } = input as { type: string; data: Record<string, unknown> };
    if (type !== 'OpenTally' || data.tallyId !== undefined) return input;
    return { type, data: { tallyId: commandId ? `tally-${commandId}` : newId(), ...data } };
  },
  upcaster: createUpcaster<TallyEvent>({
    TallyOpened: firstVersion<{ label: string }>(),
    // v1 counted in tens; v2 in units.
    TallyAdded: firstVersion<{ tens: number }>().next(({ tens }) => ({ amount: tens * 10 })),
  }),
  snapshotSchemaVersion: 1,
  uniqueness: (_state, events) => ({
    claims: events.flatMap((e) =>
      e.type === 'TallyOpened' ? [{ scope: 'label', value: e.data.label }] : [],
    ),
    releases: [],
  }),
  notFound: (id) => new TallyNotFoundError(`No tally ${id}`),
  ...(afterCommand ? { afterCommand } : {}),
});

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
