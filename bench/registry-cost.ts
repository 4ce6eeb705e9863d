/**
 * What the registry of aggregates costs per command and per projected event, in one run:
 * the command path and the projector as they ran before modules (the core handler behind
 * the Customer's own validation; a catch-up per customer of a batch) against the same work
 * through the generic command service of the registered Customer module, and through the
 * projector routed by stream type with one and with two types registered. Stores in memory,
 * so the figures are the service's own CPU, where a per-command cost would show; through
 * DynamoDB it would drown in the calls.
 */
import { InMemoryEventStore } from '../src/adapters/memory/in-memory-event-store.js';
import { InMemoryViewStore } from '../src/adapters/memory/in-memory-view-store.js';
import { AggregateCommands, systemClock, uuidGenerator } from '../src/app/aggregate-commands.js';
import { upcastCustomerEvent } from '../src/app/customer/customer-events.js';
import {
  type CustomerViewRecord,
  customerViewProjection,
} from '../src/app/customer/customer-view.js';
import { customerModule } from '../src/app/customer/module.js';
import { parseEventNotification } from '../src/app/event-notification.js';
import { createProjectorHandler } from '../src/app/projector.js';
import { CommandHandler } from '../src/core/command-handler.js';
import type { EventEnvelope } from '../src/core/event.js';
import { type StreamTypeBinding, StreamTypes } from '../src/core/stream-types.js';
import { type CatchUpTarget, ViewCatchUp } from '../src/core/view-catch-up.js';
import {
  CustomerCommand,
  customerDecider,
  customerUniqueness,
} from '../src/domain/customer/index.js';
import { messageBody } from '../test/support/customer-histories.js';
import { sqsEvent, sqsRecord } from '../test/support/sqs-messages.js';
import { TALLY, tallyProjection } from '../test/support/tally-stream-type.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { median, ratio, round } from './stats.js';

export interface RegistryCostRow {
  path: string;
  /** Median over rounds of the mean microseconds per command (or per event projected). */
  microseconds: number;
  /** Against the path as it ran before modules, in the same run. */
  ratio: number;
}

export interface RegistryCostResults {
  commands: number;
  events: number;
  rounds: number;
  rows: RegistryCostRow[];
}

type Run = (round: number) => Promise<number>;

const UPDATES_PER_CUSTOMER = 4;
/** SQS's batch for a Lambda event source mapping, as deployed. */
const BATCH = 10;

const commandsOf = (round: number, customers: number) =>
  Array.from({ length: customers }, (_, c) => {
    const customerId = `r${round}-c${c}`;
    return [
      {
        type: 'RegisterCustomer',
        data: { customerId, email: `${customerId}@x.example`, name: 'N' },
      },
      ...Array.from({ length: UPDATES_PER_CUSTOMER }, (_, u) => ({
        type: 'UpdateEmail',
        data: { customerId, newEmail: `${customerId}-${u}@x.example` },
      })),
    ];
  }).flat();

/** The command path before modules: the Customer's schema, then the core handler. */
const bareCommands =
  (customers: number): Run =>
  async (round) => {
    const store = new InMemoryEventStore();
    const handler = new CommandHandler({
      aggregateType: 'Customer',
      decider: customerDecider,
      store,
      clock: systemClock,
      ids: uuidGenerator,
      upcaster: customerModule.upcaster,
      snapshots: { every: 50, schemaVersion: customerModule.snapshotSchemaVersion },
      uniqueness: customerUniqueness,
    });
    const inputs = commandsOf(round, customers);
    const started = performance.now();
    for (const input of inputs) {
      const command = CustomerCommand.parse(input);
      await handler.handle(command.data.customerId, command, { correlationId: 'bench' });
    }
    return ((performance.now() - started) * 1000) / inputs.length;
  };

/** The same commands through the registered module's generic command service. */
const moduleCommands =
  (customers: number): Run =>
  async (round) => {
    const commands = new AggregateCommands(customerModule, { store: new InMemoryEventStore() });
    const inputs = commandsOf(round, customers);
    const started = performance.now();
    for (const input of inputs) await commands.execute(input, { correlationId: 'bench' });
    return ((performance.now() - started) * 1000) / inputs.length;
  };

/** Streams to project, written once: each customer's events, then the messages in batches. */
const projectionInput = async (customers: number) => {
  const store = new InMemoryEventStore();
  const commands = new AggregateCommands(customerModule, { store });
  const envelopes: EventEnvelope[] = [];
  for (const input of commandsOf(0, customers)) {
    envelopes.push(...(await commands.execute(input, { correlationId: 'bench' })).events);
  }
  const batches: string[][] = [];
  for (let i = 0; i < envelopes.length; i += BATCH) {
    batches.push(envelopes.slice(i, i + BATCH).map((e) => messageBody(e)));
  }
  return { store, batches, events: envelopes.length };
};

/** The projector before modules: a batch's notifications by customer, one catch-up each. */
const bareProjector =
  (input: Awaited<ReturnType<typeof projectionInput>>): Run =>
  async () => {
    const catchUp = new ViewCatchUp({
      events: input.store,
      views: new InMemoryViewStore<CustomerViewRecord>(),
      projection: customerViewProjection,
    });
    const started = performance.now();
    for (const batch of input.batches) {
      const targets = new Map<string, CatchUpTarget>();
      for (const body of batch) {
        const { aggregateId, version } = parseEventNotification(body);
        targets.set(aggregateId, { upTo: Math.max(version, targets.get(aggregateId)?.upTo ?? 0) });
      }
      await catchUp.catchUpMany(targets);
    }
    return ((performance.now() - started) * 1000) / input.events;
  };

/** The projector routed by stream type, with the Customer alone or a second type beside it. */
const routedProjector =
  (input: Awaited<ReturnType<typeof projectionInput>>, withSecondType: boolean): Run =>
  async () => {
    const customer: StreamTypeBinding = {
      type: 'Customer',
      events: input.store,
      stored: input.store,
      upcast: upcastCustomerEvent,
      projections: [
        {
          name: 'customer-views',
          projection: customerViewProjection,
          views: new InMemoryViewStore<CustomerViewRecord>(),
        },
      ],
    };
    const tallies = new InMemoryEventStore();
    const second: StreamTypeBinding = {
      type: TALLY,
      events: tallies,
      stored: tallies,
      upcast: (e) => e,
      projections: [
        { name: 'tally-views', projection: tallyProjection, views: new InMemoryViewStore() },
      ],
    };
    const projector = createProjectorHandler({
      streams: new StreamTypes(withSecondType ? [customer, second] : [customer]),
    });
    const started = performance.now();
    for (const batch of input.batches) {
      const answer = await projector(sqsEvent(batch.map((body) => sqsRecord(body))));
      if (answer.batchItemFailures.length > 0) throw new Error('the bench batch failed');
    }
    return ((performance.now() - started) * 1000) / input.events;
  };

/** Rounds interleave the paths, so a noisy moment of the machine falls on all of them. */
const interleaved = async (
  paths: Record<string, Run>,
  rounds: number,
  progress: Progress,
  name: string,
): Promise<Record<string, number>> => {
  const phase = progress.phase(name, rounds);
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(paths).map((name) => [name, []]),
  );
  // A warm-up round per path, not counted: the JIT settles before anything is timed.
  for (const run of Object.values(paths)) await run(-1);
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(paths)) samples[name]?.push(await run(r));
    phase.tick();
  }
  phase.done();
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, median(s)]));
};

export const runRegistryCost = async (
  options: BenchOptions,
  progress: Progress,
): Promise<RegistryCostResults> => {
  const customers = options.smoke ? 5 : options.quick ? 100 : 400;
  const rounds = options.smoke ? 1 : options.quick ? 5 : 11;
  const commandPaths = await interleaved(
    {
      'command path before modules (schema + core handler)': bareCommands(customers),
      'command path through the registered module': moduleCommands(customers),
    },
    rounds,
    progress,
    'registry: command path',
  );
  const input = await projectionInput(customers);
  const projectorPaths = await interleaved(
    {
      'projector before modules (a catch-up per customer)': bareProjector(input),
      'projector routed by stream type, one type registered': routedProjector(input, false),
      'projector routed by stream type, two types registered': routedProjector(input, true),
    },
    rounds,
    progress,
    'registry: projector',
  );
  const rowsOf = (figures: Record<string, number>): RegistryCostRow[] => {
    const [baseline = Number.NaN] = Object.values(figures);
    return Object.entries(figures).map(([path, microseconds]) => ({
      path,
      microseconds: round(microseconds, 1),
      ratio: round(ratio(microseconds, baseline), 3),
    }));
  };
  return {
    commands: customers * (1 + UPDATES_PER_CUSTOMER),
    events: input.events,
    rounds,
    rows: [...rowsOf(commandPaths), ...rowsOf(projectorPaths)],
  };
};

export const renderRegistryCost = (results: RegistryCostResults): string =>
  [
    '## What the registry of aggregates costs',
    '',
    `${results.commands} commands and ${results.events} projected events per round, stores in memory, median of ${results.rounds} interleaved rounds; ratio against the path before modules in the same run.`,
    '',
    '| path | µs each | ratio |',
    '| --- | ---: | ---: |',
    ...results.rows.map((row) => `| ${row.path} | ${row.microseconds} | ${row.ratio} |`),
    '',
  ].join('\n');
