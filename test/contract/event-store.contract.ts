import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import {
  ConcurrencyError,
  DuplicateCommandError,
  TooManyEventsError,
  UniquenessError,
} from '../../src/core/errors.js';
import type { EventEnvelope } from '../../src/core/event.js';
import type { CommandRecordEraser, EventStore, StreamCatalog } from '../../src/core/event-store.js';

export interface EventStoreFixture {
  store: EventStore & StreamCatalog & CommandRecordEraser;
  dispose(): Promise<void>;
}

export const makeEvent = (
  aggregateId: string,
  version: number,
  eventType = 'Noted',
): EventEnvelope => ({
  eventId: randomUUID(),
  aggregateType: 'Customer',
  aggregateId,
  eventType,
  payload: { n: version },
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
  version,
  metadata: { correlationId: 'test', schemaVersion: 1 },
});

const events = (aggregateId: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => makeEvent(aggregateId, from + i));

/** Fills a stream one append at a time (the way commands do), `count` events in all. */
const fill = async (store: EventStore, aggregateId: string, count: number, batch = 25) => {
  for (let v = 0; v < count; v += batch) {
    const size = Math.min(batch, count - v);
    await store.append(aggregateId, events(aggregateId, v + 1, size), { expectedVersion: v });
  }
};

/** The behaviour every `EventStore` adapter must show; run once per adapter. */
export const describeEventStoreContract = (
  name: string,
  createFixture: () => Promise<EventStoreFixture>,
) => {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore & StreamCatalog & CommandRecordEraser;
    const id = () => `c-${randomUUID()}`;

    beforeAll(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.dispose();
    });

    it('loads an unknown stream as empty at version 0', async () => {
      const loaded = await store.load(id());
      expect(loaded).toEqual({ snapshot: undefined, events: [], version: 0 });
      expect(await store.readStream(id())).toEqual([]);
    });

    it('appends and reads back the same envelopes', async () => {
      const a = id();
      const written = events(a, 1, 3);
      await expect(store.append(a, written, { expectedVersion: 0 })).resolves.toEqual({
        version: 3,
      });
      expect(await store.readStream(a)).toEqual(written);
      const loaded = await store.load(a);
      expect(loaded.version).toBe(3);
      expect(loaded.events).toEqual(written);
    });

    describe('schema versions', () => {
      const customerEvent = (
        aggregateId: string,
        version: number,
        eventType: string,
        payload: unknown,
        schemaVersion: number,
      ): EventEnvelope => ({
        ...makeEvent(aggregateId, version, eventType),
        payload,
        metadata: { correlationId: 'older', schemaVersion },
      });
      const mixed = (a: string) => [
        customerEvent(a, 1, 'CustomerRegistered', { email: `${a}@example.com`, name: 'Ada' }, 1),
        customerEvent(a, 2, 'CustomerSuspended', { reason: 'stored in v1' }, 1),
        customerEvent(a, 3, 'CustomerReactivated', {}, 1),
        customerEvent(a, 4, 'CustomerSuspended', { reasonCode: 'FRAUD', note: 'v2' }, 2),
      ];

      it('keeps every event in the schema version and shape it was written in', async () => {
        const a = id();
        const written = mixed(a);
        await store.append(a, written, { expectedVersion: 0 });
        expect(await store.readStream(a)).toEqual(written);
        expect((await store.load(a)).events).toEqual(written);
      });

      it('serves the Customer service a stream of mixed versions in the latest shape', async () => {
        const a = id();
        await store.append(a, mixed(a), { expectedVersion: 0 });
        const service = new CustomerCommandService({ store });
        const history = await service.history(a);
        expect(history.map((e) => [e.metadata.schemaVersion, e.payload])).toEqual([
          [2, { email: `${a}@example.com`, name: 'Ada' }],
          [3, { reasonCode: 'OTHER', note: 'stored in v1' }],
          [1, {}],
          [3, { reasonCode: 'FRAUD', note: 'v2' }],
        ]);
        const outcome = await service.execute(
          { type: 'ReactivateCustomer', data: { customerId: a } },
          { correlationId: 'now' },
        );
        expect(outcome.version).toBe(5);
        // The older events stay as they were written.
        expect((await store.readStream(a, { fromVersion: 2, toVersion: 2 }))[0]?.payload).toEqual({
          reason: 'stored in v1',
        });
      });
    });

    it.each([9, 11, 101, 1001])('keeps version order across %i events', async (count) => {
      const a = id();
      await fill(store, a, count);
      const read = await store.readStream(a);
      expect(read.map((e) => e.version)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      const loaded = await store.load(a);
      expect(loaded.version).toBe(count);
      expect(loaded.events.map((e) => e.version)).toEqual(read.map((e) => e.version));
    });

    it('reads a range of versions', async () => {
      const a = id();
      await fill(store, a, 12);
      const range = await store.readStream(a, { fromVersion: 9, toVersion: 11 });
      expect(range.map((e) => e.version)).toEqual([9, 10, 11]);
      expect((await store.readStream(a, { fromVersion: 13 })).length).toBe(0);
    });

    it('refuses an append at a stale version and keeps the first writer', async () => {
      const a = id();
      await store.append(a, events(a, 1, 1), { expectedVersion: 0 });
      const first = makeEvent(a, 2, 'First');
      await store.append(a, [first], { expectedVersion: 1 });
      await expect(
        store.append(a, [makeEvent(a, 2, 'Second')], { expectedVersion: 1 }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      const read = await store.readStream(a);
      expect(read.map((e) => e.eventType)).toEqual(['Noted', 'First']);
    });

    it('lets exactly one of many concurrent writers win a version', async () => {
      const a = id();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.append(a, [makeEvent(a, 1, `Writer${i}`)], { expectedVersion: 0 }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
      }
      expect(await store.readStream(a)).toHaveLength(1);
    });

    it('writes several events of one command atomically', async () => {
      const a = id();
      await store.append(a, events(a, 1, 2), { expectedVersion: 0 });
      // Version 4 is free but 3 is not: nothing of the batch may land.
      await store.append(a, [makeEvent(a, 3)], { expectedVersion: 2 });
      await expect(store.append(a, events(a, 3, 2), { expectedVersion: 2 })).rejects.toBeInstanceOf(
        ConcurrencyError,
      );
      expect((await store.readStream(a)).map((e) => e.version)).toEqual([1, 2, 3]);
    });

    it('refuses more than 100 items in one append', async () => {
      const a = id();
      await expect(
        store.append(a, events(a, 1, 101), { expectedVersion: 0 }),
      ).rejects.toBeInstanceOf(TooManyEventsError);
      expect(await store.readStream(a)).toEqual([]);
    });

    describe('command records', () => {
      it('records a command with its events and refuses the same id again', async () => {
        const a = id();
        const commandId = randomUUID();
        const command = {
          commandId,
          aggregateType: 'Customer',
          aggregateId: a,
          version: 1,
          requestHash: 'h1',
        };
        await store.append(a, events(a, 1, 1), { expectedVersion: 0, command });
        expect(await store.findCommand(commandId)).toEqual(command);
        await expect(
          store.append(a, [makeEvent(a, 2)], {
            expectedVersion: 1,
            command: { ...command, version: 2 },
          }),
        ).rejects.toBeInstanceOf(DuplicateCommandError);
        expect(await store.readStream(a)).toHaveLength(1);
      });

      it('does not record a command whose append failed', async () => {
        const a = id();
        await store.append(a, events(a, 1, 1), { expectedVersion: 0 });
        const commandId = randomUUID();
        await expect(
          store.append(a, [makeEvent(a, 1)], {
            expectedVersion: 0,
            command: {
              commandId,
              aggregateType: 'Customer',
              aggregateId: a,
              version: 1,
              requestHash: 'h',
            },
          }),
        ).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.findCommand(commandId)).toBeUndefined();
      });

      it('deletes the records of the commands that wrote a stream, none of another stream', async () => {
        const [a, b] = [id(), id()];
        const [k1, k2, k3] = [randomUUID(), randomUUID(), randomUUID()];
        const keyed = (event: EventEnvelope, commandId: string): EventEnvelope => ({
          ...event,
          metadata: { ...event.metadata, commandId },
        });
        const record = (commandId: string, aggregateId: string, version: number) => ({
          commandId,
          aggregateType: 'Customer',
          aggregateId,
          version,
          requestHash: `h-${commandId}`,
        });
        await store.append(a, [keyed(makeEvent(a, 1), k1)], {
          expectedVersion: 0,
          command: record(k1, a, 1),
        });
        await store.append(a, [keyed(makeEvent(a, 2), k2), keyed(makeEvent(a, 3), k2)], {
          expectedVersion: 1,
          command: record(k2, a, 3),
        });
        // k3's record expired, and the key was used again for another stream.
        await store.append(a, [keyed(makeEvent(a, 4), k3)], { expectedVersion: 3 });
        await store.append(b, [keyed(makeEvent(b, 1), k3)], {
          expectedVersion: 0,
          command: record(k3, b, 1),
        });

        expect(await store.deleteCommandRecords(a)).toBe(2);
        expect(await store.findCommand(k1)).toBeUndefined();
        expect(await store.findCommand(k2)).toBeUndefined();
        expect(await store.findCommand(k3)).toEqual(record(k3, b, 1));
        expect(await store.readStream(a)).toHaveLength(4);
        // Again: nothing left to delete.
        expect(await store.deleteCommandRecords(a)).toBe(0);
        expect(await store.deleteCommandRecords(id())).toBe(0);
      });
    });

    describe('unique claims', () => {
      const scope = 'email';

      it('gives a value to one aggregate only', async () => {
        const [a, b] = [id(), id()];
        const value = `${randomUUID()}@example.com`;
        await store.append(a, events(a, 1, 1), { expectedVersion: 0, claims: [{ scope, value }] });
        await expect(
          store.append(b, events(b, 1, 1), { expectedVersion: 0, claims: [{ scope, value }] }),
        ).rejects.toBeInstanceOf(UniquenessError);
        expect(await store.readStream(b)).toEqual([]);
        // The holder may claim its own value again.
        await store.append(a, [makeEvent(a, 2)], {
          expectedVersion: 1,
          claims: [{ scope, value }],
        });
      });

      it('frees a released value in the same write', async () => {
        const [a, b] = [id(), id()];
        const old = `${randomUUID()}@example.com`;
        const next = `${randomUUID()}@example.com`;
        await store.append(a, events(a, 1, 1), {
          expectedVersion: 0,
          claims: [{ scope, value: old }],
        });
        await store.append(a, [makeEvent(a, 2)], {
          expectedVersion: 1,
          claims: [{ scope, value: next }],
          releases: [{ scope, value: old }],
        });
        await store.append(b, events(b, 1, 1), {
          expectedVersion: 0,
          claims: [{ scope, value: old }],
        });
        await expect(
          store.append(b, [makeEvent(b, 2)], {
            expectedVersion: 1,
            claims: [{ scope, value: next }],
          }),
        ).rejects.toBeInstanceOf(UniquenessError);
      });

      it('lets one of many concurrent claimants win', async () => {
        const value = `${randomUUID()}@example.com`;
        const ids = Array.from({ length: 8 }, id);
        const results = await Promise.allSettled(
          ids.map((a) =>
            store.append(a, events(a, 1, 1), { expectedVersion: 0, claims: [{ scope, value }] }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const written = await Promise.all(ids.map((a) => store.readStream(a)));
        expect(written.filter((s) => s.length > 0)).toHaveLength(1);
      });
    });

    describe('snapshots', () => {
      it('loads the latest snapshot of the asked schema plus the events after it', async () => {
        const a = id();
        await fill(store, a, 120);
        await store.saveSnapshot(a, {
          version: 100,
          schemaVersion: 2,
          state: { n: 100 },
          takenAt: 't',
        });
        const loaded = await store.load(a, { snapshotSchemaVersion: 2 });
        expect(loaded.snapshot).toEqual({
          version: 100,
          schemaVersion: 2,
          state: { n: 100 },
          takenAt: 't',
        });
        expect(loaded.events.map((e) => e.version)).toEqual(
          Array.from({ length: 20 }, (_, i) => 101 + i),
        );
        expect(loaded.version).toBe(120);
      });

      it('ignores a snapshot of another schema and reads the whole stream', async () => {
        const a = id();
        await fill(store, a, 30);
        await store.saveSnapshot(a, { version: 30, schemaVersion: 1, state: {}, takenAt: 't' });
        const loaded = await store.load(a, { snapshotSchemaVersion: 2 });
        expect(loaded.snapshot).toBeUndefined();
        expect(loaded.events).toHaveLength(30);
        expect(loaded.version).toBe(30);
      });

      it('never replaces a newer snapshot with an older one', async () => {
        const a = id();
        await fill(store, a, 60);
        await store.saveSnapshot(a, {
          version: 60,
          schemaVersion: 1,
          state: { n: 60 },
          takenAt: 't',
        });
        await store.saveSnapshot(a, {
          version: 50,
          schemaVersion: 1,
          state: { n: 50 },
          takenAt: 't',
        });
        const loaded = await store.load(a, { snapshotSchemaVersion: 1 });
        expect(loaded.snapshot?.version).toBe(60);
        expect(loaded.events).toEqual([]);
        expect(loaded.version).toBe(60);
      });

      it('reads the gap when the snapshot lies far behind the head', async () => {
        const a = id();
        await fill(store, a, 200);
        await store.saveSnapshot(a, { version: 10, schemaVersion: 1, state: {}, takenAt: 't' });
        const loaded = await store.load(a, { snapshotSchemaVersion: 1 });
        expect(loaded.events.map((e) => e.version)).toEqual(
          Array.from({ length: 190 }, (_, i) => 11 + i),
        );
      });
    });

    it('lists every stream id, page by page', async () => {
      const ids = Array.from({ length: 5 }, id);
      for (const a of ids) await store.append(a, events(a, 1, 2), { expectedVersion: 0 });
      const seen: string[] = [];
      for await (const page of store.listAggregateIds({ pageSize: 2 })) seen.push(...page);
      for (const a of ids) expect(seen).toContain(a);
      expect(new Set(seen).size).toBe(seen.length);
    });
  });
};
