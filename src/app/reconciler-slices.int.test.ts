import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import { toEventItem } from '../adapters/dynamodb/dynamodb-event-store.js';
import { DynamoDBCheckpoints } from '../adapters/dynamodb/dynamodb-stream-changes.js';
import { changeBucket, LEGACY_CHANGE_INDEX_SHARDS } from '../adapters/dynamodb/event-store-keys.js';
import { Service } from '../composition/service.js';
import { readConfig } from '../config.js';
import { silentLogger } from '../core/ports.js';
import type { ViewStore } from '../core/view-store.js';
import type { CustomerViewRecord } from './customer/customer-view.js';
import { customerViewProjection } from './customer/customer-view.js';
import { reconcileViews } from './reconciler.js';

const MINUTE = 60_000;
/** A minute on the grid, half an hour ago: the events' minutes are the slices. */
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
const at = (ms: number) => new Date(T0 + ms).toISOString();
/** Runs as the schedule would start them, 7 minutes after T0: the window is T0 … T0 + 6 min. */
const runClock = { now: () => new Date(T0 + 7 * MINUTE) };

const serviceOn = (tables: TestTables, env: Record<string, string> = {}) =>
  new Service({
    config: readConfig({
      COMMAND_TABLE: tables.eventStoreTableName,
      QUERY_TABLE: tables.viewsTableName,
      ...env,
    }),
    clients: { dynamodb: tables.documentClient },
    logger: silentLogger,
  });

/** A registration accepted at `timestamp`, written as an item with `shards` change shards. */
const writeRegistration = async (
  tables: TestTables,
  customerId: string,
  timestamp: string,
  shards?: number,
) => {
  const item = toEventItem(
    'CUSTOMER',
    {
      eventId: randomUUID(),
      aggregateType: 'Customer',
      aggregateId: customerId,
      eventType: 'CustomerRegistered',
      payload: { email: `${customerId}@example.com`, name: 'S' },
      timestamp,
      version: 1,
      metadata: { correlationId: 'corr-slices', schemaVersion: 1 },
    },
    shards,
  );
  await tables.documentClient.send(
    new PutCommand({ TableName: tables.eventStoreTableName, Item: item }),
  );
};

const viewOf = async (tables: TestTables, customerId: string) =>
  (
    await tables.documentClient.send(
      new GetCommand({ TableName: tables.viewsTableName, Key: { customerId } }),
    )
  ).Item;

const checkpointOf = async (tables: TestTables) =>
  (
    await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: `CHECKPOINT#reconciler#${tables.viewsTableName}`, SK: 'CHECKPOINT' },
      }),
    )
  ).Item;

/**
 * The view store as the reconciler sees it: counts the writes that landed per view, and
 * from the `killAt`-th write on hangs for ever, as a process killed mid-slice would.
 */
const killableViews = (inner: ViewStore<CustomerViewRecord>, killAt = Number.POSITIVE_INFINITY) => {
  const written = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let writes = 0;
  let killed: () => void = () => {};
  const reachedKill = new Promise<void>((resolve) => (killed = resolve));
  const views: ViewStore<CustomerViewRecord> = {
    get: (id) => inner.get(id),
    getMany: (ids) => (inner.getMany ? inner.getMany(ids) : Promise.reject(new Error('none'))),
    put: (id, view, readVersion) => {
      writes++;
      if (writes >= killAt) {
        killed();
        return new Promise<void>(() => {});
      }
      const put = inner.put(id, view, readVersion).then(() => {
        written.set(id, (written.get(id) ?? 0) + 1);
      });
      inFlight.add(put);
      return put.finally(() => inFlight.delete(put));
    },
  };
  return {
    views,
    written,
    reachedKill,
    settled: () => Promise.allSettled([...inFlight]),
  };
};

describe('reconciler runs, slice by slice,', () => {
  let tables: TestTables;
  beforeAll(async () => {
    tables = await createTestTables();
  });
  afterAll(async () => {
    await tables?.dispose();
  });

  it('resume after a kill mid-window from the last slice it finished, healing every view once', async () => {
    const service = serviceOn(tables);
    // Six minutes, four streams each: three whose views were never written, one current.
    // Half the events carry the change key as the previous version wrote it (16 shards).
    const behind: string[] = [];
    const current: string[] = [];
    const writes: Promise<void>[] = [];
    for (let minute = 0; minute < 6; minute++) {
      for (let i = 0; i < 4; i++) {
        const id = `m${minute}-${i}-${randomUUID()}`;
        const shards = i % 2 === 0 ? LEGACY_CHANGE_INDEX_SHARDS : undefined;
        writes.push(writeRegistration(tables, id, at(minute * MINUTE + 10_000 + i * 1000), shards));
        (i === 3 ? current : behind).push(id);
      }
    }
    await Promise.all(writes);
    await Promise.all(
      current.map(async (id) => {
        const [event] = await tables.events.readStream(id);
        await tables.views.put(id, customerViewProjection.evolve(undefined, event as never), 0);
      }),
    );
    const options = {
      changes: service.streamChanges,
      checkpoints: new DynamoDBCheckpoints({
        client: tables.documentClient,
        tableName: tables.eventStoreTableName,
      }),
      name: `reconciler#${tables.viewsTableName}`,
      clock: runClock,
      initialLookbackMs: 7 * MINUTE,
      sliceMs: MINUTE,
      // Reaches back over the two slices the first run finished: they are listed again.
      overlapMs: 2 * MINUTE,
    };

    // The first run is killed at the 8th view write: in the third slice (minute 2).
    const first = killableViews(tables.views, 8);
    void reconcileViews({ ...options, streams: customerStreams(service.eventStore, first.views) });
    await first.reachedKill;
    await first.settled();
    expect(await checkpointOf(tables)).toMatchObject({ value: at(2 * MINUTE - 1) });
    for (const id of behind.slice(0, 6)) expect(first.written.get(id)).toBe(1);

    // The next run reaches back from that checkpoint (with its overlap) and finishes.
    const second = killableViews(tables.views);
    const report = await reconcileViews({
      ...options,
      streams: customerStreams(service.eventStore, second.views),
    });

    expect(report).toMatchObject({ complete: true, failed: 0, reached: report.to });
    expect(report.from).toBe(at(-1));
    expect(await checkpointOf(tables)).toMatchObject({
      itemType: 'CHECKPOINT',
      value: at(6 * MINUTE),
    });
    // Every behind view written exactly once over both runs; current ones never.
    for (const id of behind) {
      expect((first.written.get(id) ?? 0) + (second.written.get(id) ?? 0)).toBe(1);
      expect(await viewOf(tables, id)).toMatchObject({ version: 1, email: `${id}@example.com` });
    }
    for (const id of current) {
      expect(first.written.get(id) ?? 0).toBe(0);
      expect(second.written.get(id) ?? 0).toBe(0);
    }
    expect(report.healed).toBe(behind.length - first.written.size);
  });

  it('stop before the deadline, from a checkpoint as the previous version wrote it, and the next run goes on', async () => {
    const service = serviceOn(tables);
    const name = `reconciler#deadline-${randomUUID()}`;
    const start = T0 - 20 * MINUTE;
    const ids = [0, 1, 2].map((minute) => `d${minute}-${randomUUID()}`);
    await Promise.all(
      ids.map((id, minute) =>
        writeRegistration(tables, id, at(-20 * MINUTE + minute * MINUTE + 5000)),
      ),
    );
    // The checkpoint item exactly as the previous version wrote it.
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.eventStoreTableName,
        Item: {
          PK: `CHECKPOINT#${name}`,
          SK: 'CHECKPOINT',
          itemType: 'CHECKPOINT',
          value: at(-20 * MINUTE),
        },
      }),
    );
    const options = {
      changes: service.streamChanges,
      checkpoints: new DynamoDBCheckpoints({
        client: tables.documentClient,
        tableName: tables.eventStoreTableName,
      }),
      streams: customerStreams(service.eventStore, tables.views),
      name,
      sliceMs: MINUTE,
      clock: { now: () => new Date(start + 4 * MINUTE) },
      overlapMs: 0,
    };
    // Time enough for a second slice, not for a third.
    const left = [10 * MINUTE, 1000];
    const cut = await reconcileViews({ ...options, remainingMs: () => left.shift() ?? 0 });

    expect(cut).toMatchObject({ from: at(-20 * MINUTE), complete: false, slices: 2, healed: 2 });
    expect(cut.reached).toBe(at(-18 * MINUTE - 1));
    const stored = await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: `CHECKPOINT#${name}`, SK: 'CHECKPOINT' },
      }),
    );
    expect(stored.Item).toMatchObject({ value: at(-18 * MINUTE - 1) });
    expect(await viewOf(tables, ids[2] as string)).toBeUndefined();

    const rest = await reconcileViews(options);
    expect(rest).toMatchObject({ from: at(-18 * MINUTE - 1), complete: true, healed: 1 });
    for (const id of ids) expect(await viewOf(tables, id)).toMatchObject({ version: 1 });
  });

  it('find events written under 16 shards and under the setting, whatever the setting', async () => {
    const stamp = at(-40 * MINUTE);
    const legacy = `legacy-${randomUUID()}`;
    // A stream whose shard of 64 lies above 31: no reader of 16 or 32 shards looks there.
    let sharded = `sharded-${randomUUID()}`;
    while (Number(changeBucket(stamp, sharded, 64).split('#')[1]) < 32) {
      sharded = `sharded-${randomUUID()}`;
    }
    await writeRegistration(tables, legacy, stamp, LEGACY_CHANGE_INDEX_SHARDS);
    await writeRegistration(tables, sharded, stamp, 64);
    const listed = async (setting: string) => {
      const found: string[] = [];
      const changes = serviceOn(tables, { CHANGE_INDEX_SHARDS: setting }).streamChanges;
      for await (const page of changes.changesBetween(stamp, stamp)) {
        found.push(...page.map((change) => change.aggregateId));
      }
      return found.sort();
    };
    // Readers query the larger of the setting and 16: 8 and 32 find the old layout.
    expect(await listed('8')).toEqual([legacy]);
    expect(await listed('32')).toEqual([legacy]);
    expect(await listed('64')).toEqual([legacy, sharded].sort());
  });
});
