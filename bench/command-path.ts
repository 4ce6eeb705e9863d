import { randomUUID } from 'node:crypto';
import { DynamoDBEventStore } from '../src/adapters/dynamodb/dynamodb-event-store.js';
import { eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { createCommandRoutes } from '../src/app/customer/command-routes.js';
import {
  CustomerCommandService,
  systemClock,
  uuidGenerator,
} from '../src/app/customer/customer-commands.js';
import { customerEventUpcaster } from '../src/app/customer/customer-events.js';
import { createHttpApp } from '../src/app/http/app.js';
import { CommandHandler } from '../src/core/command-handler.js';
import {
  type CustomerCommand,
  CustomerCommand as CustomerCommandSchema,
  type CustomerEvent,
  type CustomerState,
  customerDecider,
} from '../src/domain/customer/index.js';
import { serveHttp } from '../src/local/http-server.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import {
  type CallTally,
  callsPerOperation,
  totalCallsPerOperation,
  unitsPerOperation,
} from './dynamodb-call-counter.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { RawSdkBaseline } from './raw-baseline.js';
import { median, percentile, round } from './stats.js';
import { timedCommands } from './timed-commands.js';

/** What a target must do: the two commands of the workload. */
interface CommandTarget {
  register(customerId: string, email: string): Promise<void>;
  updateEmail(customerId: string, email: string): Promise<void>;
  close(): Promise<void>;
}

export const TARGETS = {
  raw: 'raw SDK baseline (Query + conditional PutItem)',
  'raw+claims': 'raw SDK, Query + TransactWriteItems(event, email claim, release)',
  handler: 'core CommandHandler, no uniqueness, no key',
  service: 'CustomerCommandService in-process (email uniqueness)',
  'service+key': 'CustomerCommandService + idempotency key',
  http: 'HTTP API on loopback (email uniqueness)',
  'http+key': 'HTTP API + Idempotency-Key',
} as const;
export type TargetName = keyof typeof TARGETS;
const ALL_TARGETS = Object.keys(TARGETS) as TargetName[];

const selectTargets = (wanted: string[]): TargetName[] => {
  if (wanted.includes('all')) return ALL_TARGETS;
  for (const name of wanted) {
    if (!ALL_TARGETS.includes(name as TargetName)) {
      throw new Error(`Unknown target "${name}"; targets are ${ALL_TARGETS.join(', ')}`);
    }
  }
  return ALL_TARGETS.filter((t) => t === 'raw' || wanted.includes(t));
};

const COMMAND_TYPES = ['RegisterCustomer', 'UpdateEmail'] as const;
const WARM_CUSTOMERS = 10;
type CommandType = (typeof COMMAND_TYPES)[number];

const storeFor = (db: BenchDynamoDB, tableName: string, snapshotEvery: number) =>
  new DynamoDBEventStore({
    client: db.documentClient,
    tableName,
    loadWindow: snapshotEvery + 1,
  });

const keyFor = () => `bench-${randomUUID()}`;

const createTarget = async (
  name: TargetName,
  db: BenchDynamoDB,
  tableName: string,
  options: BenchOptions,
  scopeOf: (type: CommandType) => string,
): Promise<CommandTarget> => {
  const closeNothing = async () => {};
  if (name === 'raw' || name === 'raw+claims') {
    const raw = new RawSdkBaseline(db.documentClient, tableName, {
      emailClaims: name === 'raw+claims',
    });
    return {
      register: async (id, email) => void (await raw.register(id, email, `Customer ${id}`)),
      updateEmail: async (id, email) => void (await raw.updateEmail(id, email)),
      close: closeNothing,
    };
  }
  if (name === 'handler') {
    // The framework alone (validation, load, fold, decide, append) without the service's
    // uniqueness claims: its single event goes out as one conditional PutItem.
    const handler = new CommandHandler<CustomerState, CustomerCommand, CustomerEvent>({
      aggregateType: 'Customer',
      decider: customerDecider,
      store: storeFor(db, tableName, options.snapshotEvery),
      clock: systemClock,
      ids: uuidGenerator,
      upcaster: customerEventUpcaster,
      snapshots: { every: options.snapshotEvery, schemaVersion: 1 },
    });
    const run = async (input: unknown, customerId: string) => {
      const command = CustomerCommandSchema.parse(input);
      await handler.handle(customerId, command, { correlationId: randomUUID() });
    };
    return {
      register: (id, email) =>
        run(
          { type: 'RegisterCustomer', data: { customerId: id, email, name: `Customer ${id}` } },
          id,
        ),
      updateEmail: (id, email) =>
        run({ type: 'UpdateEmail', data: { customerId: id, newEmail: email } }, id),
      close: () => handler.drainSnapshots(),
    };
  }
  const withKey = name.endsWith('+key');
  const service = new CustomerCommandService({
    store: storeFor(db, tableName, options.snapshotEvery),
    snapshotEvery: options.snapshotEvery,
  });
  if (name === 'service' || name === 'service+key') {
    const metadata = () => ({
      correlationId: randomUUID(),
      ...(withKey ? { commandId: keyFor() } : {}),
    });
    return {
      register: async (id, email) =>
        void (await service.execute(
          { type: 'RegisterCustomer', data: { customerId: id, email, name: `Customer ${id}` } },
          metadata(),
        )),
      updateEmail: async (id, email) =>
        void (await service.execute(
          { type: 'UpdateEmail', data: { customerId: id, newEmail: email } },
          metadata(),
        )),
      close: () => service.drain(),
    };
  }
  const app = createHttpApp({ commands: [createCommandRoutes(service)] });
  // The request is served in another async context than the client's, so the DynamoDB
  // calls are attributed on the server side, by route.
  const server = await serveHttp(
    {
      fetch: (request: Request, ...rest: unknown[]) =>
        db.counter.run(
          scopeOf(request.method === 'POST' ? 'RegisterCustomer' : 'UpdateEmail'),
          async () => app.fetch(request, ...(rest as [])),
        ),
    },
    { port: 0 },
  );
  const send = async (method: string, path: string, body: unknown, expected: number) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(withKey ? { 'idempotency-key': keyFor() } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expected) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    }
  };
  return {
    register: (id, email) =>
      send('POST', '/customers', { customerId: id, email, name: `Customer ${id}` }, 201),
    updateEmail: (id, email) => send('PUT', `/customers/${id}/email`, { email }, 200),
    close: async () => {
      await server.close();
      await service.drain();
    },
  };
};

interface RunResult {
  target: TargetName;
  concurrency: number;
  round: number;
  commands: number;
  seconds: number;
  commandsPerSecond: number;
  latencyMs: Record<CommandType, number[]>;
  tallies: Record<CommandType, CallTally>;
}

/**
 * N customers split over `concurrency` workers, each owning its customers: register, then
 * K `UpdateEmail` commands, one after the other. Emails are unique per run.
 */
const runWorkload = async (
  db: BenchDynamoDB,
  target: TargetName,
  concurrency: number,
  round: number,
  customers: number,
  options: BenchOptions,
  onCommand: () => void,
  label = `${target}-c${concurrency}-r${round}`,
): Promise<RunResult> => {
  const tableName = `bench-cmd-${label.replace(/[^A-Za-z0-9-]/g, '-')}`;
  await db.createTable(tableName, eventStoreTable);
  const scope = (type: CommandType) => `${label}:${type}`;
  const impl = await createTarget(target, db, tableName, options, scope);
  const countedHere = !target.startsWith('http');
  const run = randomUUID().slice(0, 8);
  const recorder = timedCommands<CommandType>(['RegisterCustomer', 'UpdateEmail'], onCommand);
  const { latencyMs } = recorder;
  const timed = (type: CommandType, work: () => Promise<void>) =>
    recorder.timed(type, () => (countedHere ? db.counter.run(scope(type), work) : work()));
  const worker = async (index: number) => {
    for (let c = index; c < customers; c += concurrency) {
      const id = `b${run}-${c}`;
      await timed('RegisterCustomer', () => impl.register(id, `${id}-0@bench.example`));
      for (let k = 1; k <= options.updates; k++) {
        await timed('UpdateEmail', () => impl.updateEmail(id, `${id}-${k}@bench.example`));
      }
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  } finally {
    await impl.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await db.deleteTable(tableName);
  const commands = customers * (1 + options.updates);
  return {
    target,
    concurrency,
    round,
    commands,
    seconds,
    commandsPerSecond: commands / seconds,
    latencyMs,
    tallies: {
      RegisterCustomer: db.counter.snapshot(scope('RegisterCustomer')),
      UpdateEmail: db.counter.snapshot(scope('UpdateEmail')),
    },
  };
};

export interface CommandPathRow {
  target: TargetName;
  description: string;
  concurrency: number;
  /** Median over rounds. */
  commandsPerSecond: number;
  /** Per round, in order. */
  commandsPerSecondByRound: number[];
  /** Latency over all commands of all rounds. */
  p50Ms: number;
  p99Ms: number;
  updateEmailP50Ms: number;
  updateEmailP99Ms: number;
  /** Median commands/s over the raw baseline's median at the same concurrency. */
  ratioToRaw: number;
  perCommand: Record<
    CommandType,
    {
      calls: number;
      callsByOperation: Record<string, number>;
      readUnits: number;
      writeUnits: number;
      reportedCapacityByOperation: Record<string, number>;
    }
  >;
}

export interface CommandPathResult {
  workload: { customers: number; updates: number; rounds: number; concurrency: number[] };
  rows: CommandPathRow[];
}

export const runCommandPath = async (
  withDynamoDB: <T>(work: (db: BenchDynamoDB) => Promise<T>) => Promise<T>,
  options: BenchOptions,
  progress: Progress,
): Promise<CommandPathResult> => {
  const targets = selectTargets(options.targets);
  const perRun = options.customers * (1 + options.updates);
  const results: RunResult[] = [];
  // Each target gets a freshly started DynamoDB Local: it slows down as a run writes more
  // (all its work goes through one SQLite thread), which would penalise whatever runs last.
  for (const concurrency of options.concurrency) {
    const phase = progress.phase(
      `command path: concurrency ${concurrency}`,
      (perRun * options.rounds + WARM_CUSTOMERS * (1 + options.updates)) * targets.length,
    );
    for (const target of targets) {
      await withDynamoDB(async (db) => {
        // Warms the JIT of Node and of DynamoDB Local before anything is timed.
        const warm = Math.min(WARM_CUSTOMERS, options.customers);
        await runWorkload(db, target, 8, 0, warm, options, () => phase.tick(), `warm-${target}`);
        for (let round = 1; round <= options.rounds; round++) {
          results.push(
            await runWorkload(db, target, concurrency, round, options.customers, options, () =>
              phase.tick(),
            ),
          );
        }
      });
    }
    phase.done();
  }

  const rows: CommandPathRow[] = [];
  for (const concurrency of options.concurrency) {
    const of = (target: TargetName) =>
      results.filter((r) => r.target === target && r.concurrency === concurrency);
    const rawMedian = median(of('raw').map((r) => r.commandsPerSecond));
    for (const target of targets) {
      const runs = of(target);
      const all = runs.flatMap((r) => [
        ...r.latencyMs.RegisterCustomer,
        ...r.latencyMs.UpdateEmail,
      ]);
      const updates = runs.flatMap((r) => r.latencyMs.UpdateEmail);
      const cps = median(runs.map((r) => r.commandsPerSecond));
      const perCommand = Object.fromEntries(
        COMMAND_TYPES.map((type) => {
          const tally = mergeTallies(runs.map((r) => r.tallies[type]));
          const units = unitsPerOperation(tally);
          return [
            type,
            {
              calls: round(totalCallsPerOperation(tally), 3),
              callsByOperation: roundValues(callsPerOperation(tally)),
              readUnits: round(units.read, 3),
              writeUnits: round(units.write, 3),
              reportedCapacityByOperation: roundValues(
                Object.fromEntries(
                  Object.entries(tally.reportedCapacity).map(([op, units]) => [
                    op,
                    units / Math.max(tally.operations, 1),
                  ]),
                ),
              ),
            },
          ];
        }),
      ) as CommandPathRow['perCommand'];
      rows.push({
        target,
        description: TARGETS[target],
        concurrency,
        commandsPerSecond: round(cps, 1),
        commandsPerSecondByRound: runs.map((r) => round(r.commandsPerSecond, 1)),
        p50Ms: round(percentile(all, 50)),
        p99Ms: round(percentile(all, 99)),
        updateEmailP50Ms: round(percentile(updates, 50)),
        updateEmailP99Ms: round(percentile(updates, 99)),
        ratioToRaw: round(cps / rawMedian, 3),
        perCommand,
      });
    }
  }
  return {
    workload: {
      customers: options.customers,
      updates: options.updates,
      rounds: options.rounds,
      concurrency: options.concurrency,
    },
    rows,
  };
};

const roundValues = (record: Record<string, number>) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, round(v, 3)]));

const mergeTallies = (tallies: CallTally[]): CallTally => {
  const merged: CallTally = {
    operations: 0,
    calls: {},
    reportedCapacity: {},
    readUnits: 0,
    writeUnits: 0,
  };
  for (const tally of tallies) {
    merged.operations += tally.operations;
    merged.readUnits += tally.readUnits;
    merged.writeUnits += tally.writeUnits;
    for (const [op, n] of Object.entries(tally.calls))
      merged.calls[op] = (merged.calls[op] ?? 0) + n;
    for (const [op, n] of Object.entries(tally.reportedCapacity)) {
      merged.reportedCapacity[op] = (merged.reportedCapacity[op] ?? 0) + n;
    }
  }
  return merged;
};
