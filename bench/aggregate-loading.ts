import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBEventStore, toEventItem } from '../src/adapters/dynamodb/dynamodb-event-store.js';
import { eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { SNAPSHOT_SCHEMA_VERSION } from '../src/app/customer/customer-commands.js';
import { customerEventUpcaster } from '../src/app/customer/customer-events.js';
import type { EventEnvelope } from '../src/core/event.js';
import {
  type CustomerEvent,
  type CustomerState,
  customerDecider,
} from '../src/domain/customer/index.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import { totalCallsPerOperation, unitsPerOperation } from './dynamodb-call-counter.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { median, percentile, round } from './stats.js';

/**
 * How a stream is stored: without a snapshot; with the snapshot the service leaves just
 * before it takes the next one (`every - 1` events after it, the slowest case); and with a
 * snapshot at the head (the fastest).
 */
const CASES = ['none', 'snapshot-worst', 'snapshot-best'] as const;
type SnapshotCase = (typeof CASES)[number];

export interface LoadRow {
  events: number;
  snapshot: SnapshotCase;
  /** Version of the snapshot read, 0 when none. */
  snapshotVersion: number;
  /** Load plus fold into state, as the command handler does before deciding. */
  medianMs: number;
  p90Ms: number;
  minMs: number;
  callsPerLoad: number;
  readUnitsPerLoad: number;
}

/** One stream stored entirely in schema version 1 against the same stream in the latest. */
export interface SchemaVersionLoading {
  events: number;
  /** Events that the v1 stream holds in an older version than the latest. */
  upcastEvents: number;
  repeats: number;
  v1MedianMs: number;
  latestMedianMs: number;
  /** v1 median over latest median: what upcasting on load costs. */
  v1OverLatest: number;
  /** The fold alone (upcast + evolve, no I/O), microseconds per stream. */
  foldOnlyV1Us: number;
  foldOnlyLatestUs: number;
}

export interface AggregateLoadingResult {
  snapshotEvery: number;
  repeats: number;
  rows: LoadRow[];
  schemaVersions: SchemaVersionLoading;
  /** 5,000 (largest) events with the worst-case snapshot over 10 (smallest) events. */
  largestWithSnapshotOverSmallest: number;
}

const envelopes = (aggregateId: string, count: number): EventEnvelope[] => {
  const timestamp = new Date().toISOString();
  return Array.from({ length: count }, (_, index) => {
    const version = index + 1;
    const event: CustomerEvent =
      version === 1
        ? {
            type: 'CustomerRegistered',
            data: { email: `${aggregateId}-0@bench.example`, name: 'Ada' },
          }
        : {
            type: 'CustomerEmailUpdated',
            data: {
              oldEmail: `${aggregateId}-${version - 2}@bench.example`,
              newEmail: `${aggregateId}-${version - 1}@bench.example`,
            },
          };
    return {
      eventId: randomUUID(),
      aggregateType: 'Customer',
      aggregateId,
      eventType: event.type,
      payload: event.data,
      timestamp,
      version,
      metadata: { correlationId: randomUUID(), schemaVersion: 1 },
    };
  });
};

/** As the command handler folds: each event lifted to its latest shape, then evolved. */
const fold = (events: EventEnvelope[], from: CustomerState = customerDecider.initialState()) =>
  events.reduce(
    (state, e) => customerDecider.evolve(state, customerEventUpcaster.toEvent(e)),
    from,
  );

const SCHEMA_STREAM_EVENTS = 50;

/**
 * Registered, then suspended and reactivated in turn: every suspension is stored either in
 * v1 (`{reason}`, to be upcast on load) or in the latest version (`{reasonCode, note}`).
 */
const suspensionStream = (
  aggregateId: string,
  count: number,
  stored: 'v1' | 'latest',
): EventEnvelope[] => {
  const timestamp = new Date().toISOString();
  return Array.from({ length: count }, (_, index) => {
    const version = index + 1;
    const [eventType, payload, schemaVersion] =
      version === 1
        ? ['CustomerRegistered', { email: `${aggregateId}@bench.example`, name: 'Ada' }, 1]
        : version % 2 === 0
          ? stored === 'v1'
            ? ['CustomerSuspended', { reason: `review ${version}` }, 1]
            : ['CustomerSuspended', { reasonCode: 'OTHER', note: `review ${version}` }, 2]
          : ['CustomerReactivated', {}, 1];
    return {
      eventId: randomUUID(),
      aggregateType: 'Customer',
      aggregateId,
      eventType,
      payload,
      timestamp,
      version,
      metadata: { correlationId: randomUUID(), schemaVersion },
    };
  });
};

const snapshotVersionFor = (snapshot: SnapshotCase, events: number, every: number): number => {
  if (snapshot === 'none') return 0;
  // The service snapshots once `every` events sit after the last snapshot.
  if (events < every) return 0;
  return snapshot === 'snapshot-best' ? events : events - (every - 1);
};

export const runAggregateLoading = async (
  db: BenchDynamoDB,
  options: BenchOptions,
  progress: Progress,
): Promise<AggregateLoadingResult> => {
  const tableName = `bench-load-${randomUUID().slice(0, 8)}`;
  await db.createTable(tableName, eventStoreTable);
  const store = new DynamoDBEventStore({
    client: db.documentClient,
    tableName,
    loadWindow: options.snapshotEvery + 1,
  });

  const writeStream = async (all: EventEnvelope[], tick: (by: number) => void) => {
    const batches: EventEnvelope[][] = [];
    for (let i = 0; i < all.length; i += 25) batches.push(all.slice(i, i + 25));
    const writeBatch = async (batch: EventEnvelope[]) => {
      let pending: Record<string, unknown>[] = batch.map((e) => ({
        PutRequest: { Item: toEventItem('CUSTOMER', e) },
      }));
      while (pending.length > 0) {
        const { UnprocessedItems } = await db.documentClient.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
        );
        pending = (UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
      }
      tick(batch.length);
    };
    for (let i = 0; i < batches.length; i += 8) {
      await Promise.all(batches.slice(i, i + 8).map(writeBatch));
    }
  };

  // One stream per size, measured three times: before any snapshot, then with the worst
  // snapshot, then with the best (a newer snapshot replaces the older one in place).
  const totalEvents = options.loadSizes.reduce((n, size) => n + size, 0);
  const writing = progress.phase('aggregate loading: writing streams', totalEvents);
  const streams = new Map<number, { id: string; events: EventEnvelope[] }>();
  for (const size of options.loadSizes) {
    const id = `load-${size}-${randomUUID().slice(0, 8)}`;
    const all = envelopes(id, size);
    streams.set(size, { id, events: all });
    await writeStream(all, (by) => writing.tick(by));
  }
  writing.done();

  const loading = progress.phase(
    'aggregate loading: timed loads',
    options.loadSizes.length * CASES.length * options.loadRepeats,
  );
  const rows: LoadRow[] = [];
  for (const snapshot of CASES) {
    for (const [size, stream] of streams) {
      const snapshotVersion = snapshotVersionFor(snapshot, size, options.snapshotEvery);
      if (snapshotVersion > 0) {
        await store.saveSnapshot(stream.id, {
          version: snapshotVersion,
          schemaVersion: SNAPSHOT_SCHEMA_VERSION,
          state: fold(stream.events.slice(0, snapshotVersion)),
          takenAt: new Date().toISOString(),
        });
      }
      const scope = `load:${stream.id}:${snapshot}`;
      const load = async () => {
        const loaded = await store.load(stream.id, {
          snapshotSchemaVersion: SNAPSHOT_SCHEMA_VERSION,
        });
        const state = fold(
          loaded.events,
          loaded.snapshot ? (loaded.snapshot.state as CustomerState) : undefined,
        );
        if (loaded.version !== size || state.status !== 'ACTIVE') {
          throw new Error(`Loading ${stream.id} gave version ${loaded.version}`);
        }
        // A size too short for a snapshot keeps the one an earlier case may have written.
        if (snapshotVersion > 0 && loaded.snapshot?.version !== snapshotVersion) {
          throw new Error(`Loading ${stream.id} did not use its snapshot`);
        }
      };
      await load(); // untimed: the first read of a stream warms DynamoDB Local's pages
      const times: number[] = [];
      for (let i = 0; i < options.loadRepeats; i++) {
        const started = performance.now();
        await db.counter.run(scope, load);
        times.push(performance.now() - started);
        loading.tick();
      }
      const tally = db.counter.snapshot(scope);
      rows.push({
        events: size,
        snapshot,
        snapshotVersion,
        medianMs: round(median(times)),
        p90Ms: round(percentile(times, 90)),
        minMs: round(Math.min(...times)),
        callsPerLoad: round(totalCallsPerOperation(tally), 2),
        readUnitsPerLoad: round(unitsPerOperation(tally).read, 2),
      });
    }
  }
  loading.done();
  const schemaVersions = await measureSchemaVersions(store, writeStream, options, progress);
  await db.deleteTable(tableName);

  const sizes = [...options.loadSizes].sort((a, b) => a - b);
  const smallest = rows.find((r) => r.events === sizes[0] && r.snapshot === 'snapshot-worst');
  const largest = rows.find((r) => r.events === sizes.at(-1) && r.snapshot === 'snapshot-worst');
  return {
    snapshotEvery: options.snapshotEvery,
    repeats: options.loadRepeats,
    rows,
    schemaVersions,
    largestWithSnapshotOverSmallest:
      smallest && largest ? round(largest.medianMs / smallest.medianMs, 2) : Number.NaN,
  };
};

/**
 * The cost of upcasting on load: the same 50-event stream stored entirely in v1 and in the
 * latest version, loaded and folded as the command handler does, in alternation so that
 * both see the same machine.
 */
const measureSchemaVersions = async (
  store: DynamoDBEventStore,
  writeStream: (events: EventEnvelope[], tick: (by: number) => void) => Promise<void>,
  options: BenchOptions,
  progress: Progress,
): Promise<SchemaVersionLoading> => {
  const repeats = Math.max(options.loadRepeats * 4, 20);
  const streams = {
    v1: suspensionStream(`schema-v1-${randomUUID().slice(0, 8)}`, SCHEMA_STREAM_EVENTS, 'v1'),
    latest: suspensionStream(
      `schema-latest-${randomUUID().slice(0, 8)}`,
      SCHEMA_STREAM_EVENTS,
      'latest',
    ),
  };
  for (const events of Object.values(streams)) await writeStream(events, () => {});
  const load = async (events: EventEnvelope[]) => {
    const id = events[0]?.aggregateId ?? '';
    const loaded = await store.load(id, { snapshotSchemaVersion: SNAPSHOT_SCHEMA_VERSION });
    const state = fold(loaded.events);
    if (loaded.version !== SCHEMA_STREAM_EVENTS || state.status !== 'SUSPENDED') {
      throw new Error(`Loading ${id} gave version ${loaded.version}, ${state.status}`);
    }
  };
  const phase = progress.phase('aggregate loading: v1 against latest', repeats * 2);
  const times = { v1: [] as number[], latest: [] as number[] };
  for (const events of Object.values(streams)) await load(events); // warm-up, untimed
  for (let i = 0; i < repeats; i++) {
    // Alternate which goes first, so neither always follows the other.
    const order = i % 2 === 0 ? (['v1', 'latest'] as const) : (['latest', 'v1'] as const);
    for (const which of order) {
      const started = performance.now();
      await load(streams[which]);
      times[which].push(performance.now() - started);
      phase.tick();
    }
  }
  phase.done();
  // The fold alone, where upcasting is the whole difference: many rounds, medians of rounds.
  const foldUs = (events: EventEnvelope[]) => {
    const rounds: number[] = [];
    for (let r = 0; r < 15; r++) {
      const started = performance.now();
      for (let i = 0; i < 200; i++) fold(events);
      rounds.push(((performance.now() - started) * 1000) / 200);
    }
    return round(median(rounds), 2);
  };
  foldUs(streams.v1); // warm-up for the JIT
  foldUs(streams.latest);
  const foldOnlyV1Us = foldUs(streams.v1);
  const foldOnlyLatestUs = foldUs(streams.latest);
  const v1MedianMs = round(median(times.v1));
  const latestMedianMs = round(median(times.latest));
  return {
    events: SCHEMA_STREAM_EVENTS,
    upcastEvents: streams.v1.filter((e) => e.eventType === 'CustomerSuspended').length,
    repeats,
    v1MedianMs,
    latestMedianMs,
    v1OverLatest: round(median(times.v1) / median(times.latest), 3),
    foldOnlyV1Us,
    foldOnlyLatestUs,
  };
};
