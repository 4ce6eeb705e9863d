import { randomUUID } from 'node:crypto';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDBCustomerViewReader } from '../src/adapters/dynamodb/dynamodb-customer-view-reader.js';
import { DynamoDBCustomerViewStore } from '../src/adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../src/adapters/dynamodb/dynamodb-event-store.js';
import { CustomerCommandService } from '../src/app/customer/customer-commands.js';
import { CustomerQueryService } from '../src/app/customer/customer-queries.js';
import type { CustomerViewRecord } from '../src/app/customer/customer-view.js';
import { createProjectorHandler } from '../src/app/projector.js';
import { readConfig } from '../src/config.js';
import type { ViewStore } from '../src/core/view-store.js';
import { type LocalRuntime, startLocalRuntime } from '../src/local/runtime.js';
import { customerStreams } from '../test/support/customer-stream-types.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { percentile, round, sum } from './stats.js';

/** A view write that succeeded: the moment a consistent read would return `version`. */
interface ViewWrite {
  id: string;
  version: number;
  at: number;
}

/**
 * The service's projector with its view store observed: every successful conditional write
 * is recorded with its time, and counted as the events it applied.
 */
class ObservedViewStore implements ViewStore<CustomerViewRecord> {
  readonly writes: ViewWrite[] = [];
  applied = 0;
  private waiters: { events: number; resolve: () => void }[] = [];

  constructor(private readonly inner: ViewStore<CustomerViewRecord>) {}

  get(id: string) {
    return this.inner.get(id);
  }

  /** Passed through, so the projector reads a batch's views in one call as in production. */
  async getMany(ids: readonly string[]): Promise<Map<string, CustomerViewRecord>> {
    if (this.inner.getMany) return this.inner.getMany(ids);
    const found = new Map<string, CustomerViewRecord>();
    for (const id of ids) {
      const view = await this.inner.get(id);
      if (view) found.set(id, view);
    }
    return found;
  }

  async put(id: string, view: CustomerViewRecord, readVersion: number): Promise<void> {
    await this.inner.put(id, view, readVersion);
    this.writes.push({ id, version: view.version, at: performance.now() });
    this.applied += view.version - readVersion;
    this.waiters = this.waiters.filter((w) => {
      if (this.applied < w.events) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `events` events in all have been applied. */
  appliedAtLeast(events: number, timeoutMs: number): Promise<void> {
    if (this.applied >= events) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Only ${this.applied} of ${events} events projected`)),
        timeoutMs,
      );
      this.waiters.push({
        events,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

interface Pipeline {
  runtime: LocalRuntime;
  views: ObservedViewStore;
  commands: CustomerCommandService;
  tables: string[];
  /** Messages the projector finished (acknowledged), and when the last one finished. */
  handled(): { messages: number; lastAt: number };
  openGate(): void;
}

const startPipeline = async (
  db: BenchDynamoDB,
  options: { gated: boolean; projectorConcurrency: number; snapshotEvery: number },
): Promise<Pipeline> => {
  const suffix = randomUUID().slice(0, 8);
  const config = readConfig({
    COMMAND_TABLE: `bench-proj-events-${suffix}`,
    QUERY_TABLE: `bench-proj-views-${suffix}`,
    SNAPSHOT_EVERY: String(options.snapshotEvery),
    LOG_LEVEL: 'SILENT',
  });
  const dynamodb: DynamoDBClientConfig = {
    endpoint: db.local.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  // Its own client, as its own Lambda would have: commands queued on the command side's
  // sockets must not delay the projector's reads and writes.
  const projectorClient = db.newDocumentClient();
  const views = new ObservedViewStore(
    new DynamoDBCustomerViewStore({ client: projectorClient, tableName: config.QUERY_TABLE }),
  );
  const project = createProjectorHandler({
    streams: customerStreams(
      new DynamoDBEventStore({ client: projectorClient, tableName: config.COMMAND_TABLE }),
      views,
    ),
  });
  let openGate = () => {};
  const gate = options.gated ? new Promise<void>((resolve) => (openGate = resolve)) : undefined;
  let messages = 0;
  let lastAt = 0;
  const projector = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    if (gate) await gate;
    const response = await db.counter.run('projector', () => project(event));
    messages += event.Records.length - response.batchItemFailures.length;
    lastAt = performance.now();
    return response;
  };
  const runtime = await startLocalRuntime({
    config,
    dynamodb,
    handlers: { projector },
    projectorConcurrency: options.projectorConcurrency,
  });
  const store = new DynamoDBEventStore({
    client: db.documentClient,
    tableName: config.COMMAND_TABLE,
    loadWindow: options.snapshotEvery + 1,
  });
  return {
    runtime,
    views,
    commands: new CustomerCommandService({ store, snapshotEvery: options.snapshotEvery }),
    tables: [config.COMMAND_TABLE, config.QUERY_TABLE],
    handled: () => ({ messages, lastAt }),
    openGate,
  };
};

const stopPipeline = async (db: BenchDynamoDB, pipeline: Pipeline) => {
  pipeline.openGate();
  await pipeline.commands.drain();
  await pipeline.runtime.stop();
  for (const table of pipeline.tables) await db.deleteTable(table);
};

export interface ThroughputRow {
  projectorConcurrency: number;
  events: number;
  /** Events visible in the read model per second, from opening the full queue. */
  eventsPerSecond: number;
  /** Messages acknowledged per second (a message whose event a gap read already applied is quick). */
  messagesPerSecond: number;
  seconds: number;
  dynamoCallsPerEvent: number;
}

export interface LagResult {
  targetRate: number;
  achievedRate: number;
  commands: number;
  /** Commands not started before the deadline because the service fell behind the rate. */
  skipped: number;
  projectorConcurrency: number;
  commandP50Ms: number;
  commandP99Ms: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Commands whose version never showed up in the read model. */
  missing: number;
  /** Customers whose view the query service answered at a version other than the store's. */
  readModelMismatches: number;
}

export interface ProjectionResult {
  throughput: ThroughputRow[];
  /** At the rate. */
  lag: LagResult;
  /** When the machine could not keep that rate: again at half the rate it did achieve. */
  sustainableLag?: LagResult;
}

/** Registers then updates `customers` customers with 16 workers that own their customers. */
const writeWorkload = async (
  commands: CustomerCommandService,
  customers: number,
  updates: number,
  onCommand: () => void,
) => {
  const run = randomUUID().slice(0, 8);
  const worker = async (index: number) => {
    for (let c = index; c < customers; c += 16) {
      const customerId = `p${run}-${c}`;
      await commands.execute(
        {
          type: 'RegisterCustomer',
          data: { customerId, email: `${customerId}-0@bench.example`, name: 'Ada' },
        },
        { correlationId: randomUUID() },
      );
      onCommand();
      for (let k = 1; k <= updates; k++) {
        await commands.execute(
          {
            type: 'UpdateEmail',
            data: { customerId, newEmail: `${customerId}-${k}@bench.example` },
          },
          { correlationId: randomUUID() },
        );
        onCommand();
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, i) => worker(i)));
};

const measureThroughput = async (
  db: BenchDynamoDB,
  options: BenchOptions,
  projectorConcurrency: number,
  progress: Progress,
): Promise<ThroughputRow> => {
  // A queue of up to 500 events is long enough for a steady rate and keeps the run short.
  const customers = Math.min(options.customers, 100);
  const events = customers * (1 + options.updates);
  const phase = progress.phase(
    `projection: full queue, ${projectorConcurrency} projector(s)`,
    events * 2,
  );
  const pipeline = await startPipeline(db, {
    gated: true,
    projectorConcurrency,
    snapshotEvery: options.snapshotEvery,
  });
  try {
    await writeWorkload(pipeline.commands, customers, options.updates, () => phase.tick());
    // Everything is on the queue once the stream is drained: the stand-in delivers before it answers.
    await pipeline.runtime.streamPoller.waitUntilIdle(120_000);
    const before = db.counter.snapshot('projector');
    const started = performance.now();
    pipeline.openGate();
    let ticked = 0;
    const ticker = setInterval(() => {
      phase.tick(pipeline.views.applied - ticked);
      ticked = pipeline.views.applied;
    }, 200);
    try {
      await pipeline.views.appliedAtLeast(events, 120_000);
    } finally {
      clearInterval(ticker);
    }
    const applied = performance.now();
    const deadline = Date.now() + 60_000;
    while (pipeline.handled().messages < events && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const handled = pipeline.handled();
    const after = db.counter.snapshot('projector');
    const calls = sum(Object.values(after.calls)) - sum(Object.values(before.calls));
    phase.done();
    return {
      projectorConcurrency,
      events,
      eventsPerSecond: round(events / ((applied - started) / 1000), 1),
      messagesPerSecond: round(handled.messages / ((handled.lastAt - started) / 1000), 1),
      seconds: round((applied - started) / 1000, 2),
      dynamoCallsPerEvent: round(calls / events, 2),
    };
  } finally {
    await stopPipeline(db, pipeline);
  }
};

const measureLag = async (
  db: BenchDynamoDB,
  options: BenchOptions,
  rate: number,
  progress: Progress,
): Promise<LagResult> => {
  const projectorConcurrency = Math.max(...options.projectorConcurrency);
  const total = rate * options.lagSeconds;
  const phase = progress.phase(`projection: lag at ${rate} commands/s`, total);
  const pipeline = await startPipeline(db, {
    gated: false,
    projectorConcurrency,
    snapshotEvery: options.snapshotEvery,
  });
  try {
    // One command per customer per second. A customer's commands run one after the other
    // even when the service falls behind the rate; none starts after the run's deadline, so
    // an overloaded machine shows as a lower achieved rate, not as an endless run.
    const pool = rate;
    const run = randomUUID().slice(0, 8);
    const accepted: { id: string; version: number; at: number; latency: number }[] = [];
    const failures: unknown[] = [];
    let skipped = 0;
    const chains = new Map<string, Promise<void>>();
    const interval = 1000 / rate;
    const started = performance.now();
    const deadline = started + options.lagSeconds * 1000 + 1000;
    for (let i = 0; i < total; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = `l${run}-${i % pool}`;
      const pass = Math.floor(i / pool);
      const command =
        pass === 0
          ? {
              type: 'RegisterCustomer',
              data: { customerId: id, email: `${id}-0@bench.example`, name: 'Ada' },
            }
          : {
              type: 'UpdateEmail',
              data: { customerId: id, newEmail: `${id}-${pass}@bench.example` },
            };
      const previous = chains.get(id) ?? Promise.resolve();
      chains.set(
        id,
        previous.then(async () => {
          if (failures.length > 0 || performance.now() > deadline) {
            skipped++;
            return;
          }
          const sent = performance.now();
          try {
            const outcome = await pipeline.commands.execute(command, {
              correlationId: randomUUID(),
            });
            const at = performance.now();
            accepted.push({ id, version: outcome.version, at, latency: at - sent });
            phase.tick();
          } catch (error) {
            failures.push(error);
          }
        }),
      );
    }
    await Promise.all(chains.values());
    const lastAccepted = Math.max(...accepted.map((a) => a.at));
    if (failures.length > 0) {
      throw new Error(`${failures.length} commands failed in the lag run`, { cause: failures[0] });
    }
    await pipeline.runtime.waitUntilIdle(60_000);
    phase.done();

    const writesById = new Map<string, ViewWrite[]>();
    for (const write of pipeline.views.writes) {
      const list = writesById.get(write.id) ?? [];
      list.push(write);
      writesById.set(write.id, list);
    }
    const lags: number[] = [];
    let missing = 0;
    for (const command of accepted) {
      const shown = writesById.get(command.id)?.find((w) => w.version >= command.version);
      if (!shown) missing++;
      else lags.push(Math.max(0, shown.at - command.at));
    }

    // The read model itself must answer what the event store holds.
    const queries = new CustomerQueryService({
      reader: new DynamoDBCustomerViewReader({
        client: db.documentClient,
        tableName: pipeline.tables[1] ?? '',
      }),
    });
    const finalVersion = new Map<string, number>();
    for (const command of accepted) {
      finalVersion.set(command.id, Math.max(finalVersion.get(command.id) ?? 0, command.version));
    }
    let readModelMismatches = 0;
    for (const [id, version] of finalVersion) {
      const view = await queries
        .getCustomer(id, { minVersion: version, waitMs: 0 })
        .catch(() => undefined);
      if (view?.version !== version) readModelMismatches++;
    }

    const latencies = accepted.map((a) => a.latency);
    return {
      targetRate: rate,
      achievedRate: round(accepted.length / ((lastAccepted - started) / 1000), 1),
      commands: accepted.length,
      skipped,
      projectorConcurrency,
      commandP50Ms: round(percentile(latencies, 50)),
      commandP99Ms: round(percentile(latencies, 99)),
      lagP50Ms: round(percentile(lags, 50)),
      lagP99Ms: round(percentile(lags, 99)),
      lagMaxMs: round(Math.max(...lags)),
      missing,
      readModelMismatches,
    };
  } finally {
    await stopPipeline(db, pipeline);
  }
};

/** Each measurement on a fresh DynamoDB Local, so an earlier one's writes cannot slow it. */
export const runProjection = async (
  withDynamoDB: <T>(work: (db: BenchDynamoDB) => Promise<T>) => Promise<T>,
  options: BenchOptions,
  progress: Progress,
): Promise<ProjectionResult> => {
  const throughput: ThroughputRow[] = [];
  for (const concurrency of options.projectorConcurrency) {
    throughput.push(
      await withDynamoDB((db) => measureThroughput(db, options, concurrency, progress)),
    );
  }
  const lag = await withDynamoDB((db) => measureLag(db, options, options.rate, progress));
  if (options.quick || lag.achievedRate >= 0.95 * options.rate) return { throughput, lag };
  const sustainable = Math.max(1, Math.floor(lag.achievedRate / 2));
  progress.log(
    `the service accepted ${lag.achievedRate} of ${options.rate} commands/s; measuring lag again at ${sustainable}/s`,
  );
  const sustainableLag = await withDynamoDB((db) => measureLag(db, options, sustainable, progress));
  return { throughput, lag, sustainableLag };
};
