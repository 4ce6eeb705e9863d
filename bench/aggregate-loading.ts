import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBEventStore, toEventItem } from '../src/adapters/dynamodb/dynamodb-event-store.js';
import { eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { SNAPSHOT_SCHEMA_VERSION } from '../src/app/customer-commands.js';
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

export interface AggregateLoadingResult {
  snapshotEvery: number;
  repeats: number;
  rows: LoadRow[];
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
      aggregateId,
      eventType: event.type,
      payload: event.data,
      timestamp,
      version,
      metadata: { correlationId: randomUUID(), schemaVersion: 1 },
    };
  });
};

const fold = (events: EventEnvelope[], from: CustomerState = customerDecider.initialState()) =>
  events.reduce(
    (state, e) =>
      customerDecider.evolve(state, { type: e.eventType, data: e.payload } as CustomerEvent),
    from,
  );

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

  // One stream per size, measured three times: before any snapshot, then with the worst
  // snapshot, then with the best (a newer snapshot replaces the older one in place).
  const totalEvents = options.loadSizes.reduce((n, size) => n + size, 0);
  const writing = progress.phase('aggregate loading: writing streams', totalEvents);
  const streams = new Map<number, { id: string; events: EventEnvelope[] }>();
  for (const size of options.loadSizes) {
    const id = `load-${size}-${randomUUID().slice(0, 8)}`;
    const all = envelopes(id, size);
    streams.set(size, { id, events: all });
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
      writing.tick(batch.length);
    };
    for (let i = 0; i < batches.length; i += 8) {
      await Promise.all(batches.slice(i, i + 8).map(writeBatch));
    }
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
  await db.deleteTable(tableName);

  const sizes = [...options.loadSizes].sort((a, b) => a - b);
  const smallest = rows.find((r) => r.events === sizes[0] && r.snapshot === 'snapshot-worst');
  const largest = rows.find((r) => r.events === sizes.at(-1) && r.snapshot === 'snapshot-worst');
  return {
    snapshotEvery: options.snapshotEvery,
    repeats: options.loadRepeats,
    rows,
    largestWithSnapshotOverSmallest:
      smallest && largest ? round(largest.medianMs / smallest.medianMs, 2) : Number.NaN,
  };
};
