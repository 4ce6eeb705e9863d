import { beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemoryEventStore } from '../../adapters/memory/in-memory-event-store.js';
import { LruAggregateCache } from '../../core/aggregate-cache.js';
import {
  ConcurrencyError,
  IdempotencyKeyReusedError,
  UniquenessError,
  ValidationError,
} from '../../core/errors.js';
import { CustomerNotActiveError, CustomerNotSuspendedError } from '../../domain/customer/errors.js';
import {
  CustomerCommandService,
  customerIdForKey,
  SNAPSHOT_SCHEMA_VERSION,
} from './customer-commands.js';

const meta = { correlationId: 'corr-1' };
/** Every case runs without and with the aggregate cache: the answers must not change. */
let cacheSize = 0;
const setup = (options: { snapshotEvery?: number } = {}) => {
  const store = new InMemoryEventStore();
  const clock = { now: () => new Date('2026-11-27T10:00:00.000Z') };
  let n = 0;
  const ids = { newId: () => `id-${++n}` };
  const commands = new CustomerCommandService({
    store,
    clock,
    ids,
    ...(cacheSize > 0 ? { aggregateCache: new LruAggregateCache(cacheSize) } : {}),
    ...options,
  });
  return { store, commands };
};
const register = (customerId: string, email = `${customerId}@example.com`) => ({
  type: 'RegisterCustomer',
  data: { customerId, email, name: 'Ada' },
});
const updateEmail = (customerId: string, newEmail: string, expectedVersion?: number) => ({
  type: 'UpdateEmail',
  data: { customerId, newEmail, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
});

const suspend = (customerId: string, fields: Record<string, unknown>) => ({
  type: 'SuspendCustomer',
  data: { customerId, ...fields },
});

describe.each([0, 100])('CustomerCommandService (aggregate cache of %i)', (size) => {
  beforeAll(() => {
    cacheSize = size;
  });

  it('appends the decided events in a full envelope', async () => {
    const { store, commands } = setup();
    const outcome = await commands.execute(register('c1'), { ...meta, commandId: 'k1' });
    expect(outcome).toMatchObject({ customerId: 'c1', version: 1, replayed: false });
    expect(await store.readStream('c1')).toEqual([
      {
        eventId: 'id-1',
        aggregateType: 'Customer',
        aggregateId: 'c1',
        eventType: 'CustomerRegistered',
        payload: { email: 'c1@example.com', name: 'Ada' },
        timestamp: '2026-11-27T10:00:00.000Z',
        version: 1,
        metadata: { correlationId: 'corr-1', commandId: 'k1', schemaVersion: 2 },
      },
    ]);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const { store, commands } = setup();
    const error = await commands
      .execute(
        { type: 'RegisterCustomer', data: { customerId: 'c1', email: 'nope', name: '' } },
        meta,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.map((d) => d.field).sort()).toEqual([
      'data.email',
      'data.name',
    ]);
    expect(await store.readStream('c1')).toEqual([]);
  });

  it('generates an id for a registration without one, the same id for the same key', async () => {
    const { commands } = setup();
    const input = { type: 'RegisterCustomer', data: { email: 'x@example.com', name: 'X' } };
    const first = await commands.execute(input, { ...meta, commandId: 'key-1' });
    const retry = await commands.execute(input, { ...meta, commandId: 'key-1' });
    expect(first.customerId).toBe(customerIdForKey('key-1'));
    expect(retry).toMatchObject({ customerId: first.customerId, version: 1, replayed: true });
  });

  it('returns 409-style conflicts at a stale expectedVersion and writes nothing', async () => {
    const { store, commands } = setup();
    await commands.execute(register('c1'), meta);
    await commands.execute(updateEmail('c1', 'b@example.com', 1), meta);
    await expect(
      commands.execute(updateEmail('c1', 'c@example.com', 1), meta),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await store.readStream('c1')).map((e) => e.version)).toEqual([1, 2]);
  });

  it('retries a lost race when no expectedVersion was given', async () => {
    const { store, commands } = setup();
    await commands.execute(register('c1'), meta);
    const append = store.append.bind(store);
    let raced = false;
    vi.spyOn(store, 'append').mockImplementation(async (id, events, options) => {
      if (!raced) {
        raced = true;
        // Another writer takes the next version between our load and our append.
        await append(
          id,
          [
            {
              ...(events[0] as (typeof events)[number]),
              eventId: 'other',
              // As the first deployment wrote it: schema version 1, a free-text reason.
              payload: { reason: 'other' },
              eventType: 'CustomerSuspended',
            },
          ],
          options,
        );
      }
      return append(id, events, options);
    });
    await expect(commands.execute(updateEmail('c1', 'b@example.com'), meta)).rejects.toBeInstanceOf(
      CustomerNotActiveError,
    );
    expect((await store.readStream('c1')).map((e) => e.eventType)).toEqual([
      'CustomerRegistered',
      'CustomerSuspended',
    ]);
  });

  it('answers a retried command with its first result, even after later commands', async () => {
    const { store, commands } = setup();
    await commands.execute(register('c1'), meta);
    const first = await commands.execute(updateEmail('c1', 'b@example.com'), {
      ...meta,
      commandId: 'k',
    });
    await commands.execute(updateEmail('c1', 'c@example.com'), meta);
    const retry = await commands.execute(updateEmail('c1', 'b@example.com'), {
      ...meta,
      commandId: 'k',
    });
    expect(retry).toMatchObject({ version: first.version, replayed: true, events: [] });
    expect((await store.readStream('c1')).map((e) => e.version)).toEqual([1, 2, 3]);
    const last = await store.readStream('c1', { fromVersion: 3 });
    expect(last[0]?.payload).toEqual({ oldEmail: 'b@example.com', newEmail: 'c@example.com' });
  });

  it('runs concurrent twins with one key exactly once', async () => {
    const { store, commands } = setup();
    await commands.execute(register('c1'), meta);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        commands.execute(
          { type: 'SuspendCustomer', data: { customerId: 'c1', reason: 'x' } },
          { ...meta, commandId: 'twin' },
        ),
      ),
    );
    expect(new Set(results.map((r) => r.version))).toEqual(new Set([2]));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await store.readStream('c1')).toHaveLength(2);
  });

  it('refuses a key reused for a different request', async () => {
    const { commands } = setup();
    await commands.execute(register('c1'), { ...meta, commandId: 'k' });
    await expect(
      commands.execute(register('c2'), { ...meta, commandId: 'k' }),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('keeps an email for one customer, case-insensitively, and frees it on change', async () => {
    const { commands } = setup();
    await commands.execute(register('c1', 'Ada@Example.com'), meta);
    await expect(commands.execute(register('c2', 'ada@example.COM'), meta)).rejects.toBeInstanceOf(
      UniquenessError,
    );
    await commands.execute(updateEmail('c1', 'other@example.com'), meta);
    await expect(commands.execute(register('c2', 'ada@example.com'), meta)).resolves.toMatchObject({
      version: 1,
    });
  });

  it('snapshots long streams and loads from the snapshot', async () => {
    const { store, commands } = setup({ snapshotEvery: 5 });
    await commands.execute(register('c1'), meta);
    for (let i = 0; i < 12; i++) {
      const type = i % 2 === 0 ? 'SuspendCustomer' : 'ReactivateCustomer';
      await commands.execute(
        {
          type,
          data: {
            customerId: 'c1',
            ...(i % 2 === 0 ? { reasonCode: 'CHARGEBACK', note: `r${i}` } : {}),
          },
        },
        meta,
      );
      await commands.drain();
    }
    const loaded = await store.load('c1', { snapshotSchemaVersion: SNAPSHOT_SCHEMA_VERSION });
    expect(loaded.version).toBe(13);
    expect(loaded.snapshot?.version).toBe(10);
    expect(loaded.snapshot?.state).toEqual({
      status: 'SUSPENDED',
      suspension: { reasonCode: 'CHARGEBACK', note: 'r8' },
      email: 'c1@example.com',
      name: 'Ada',
    });
    expect(loaded.events.map((e) => e.version)).toEqual([11, 12, 13]);
    // Snapshot + tail decide like the full fold: c1 was reactivated last, so it is ACTIVE.
    await expect(
      commands.execute({ type: 'ReactivateCustomer', data: { customerId: 'c1' } }, meta),
    ).rejects.toBeInstanceOf(CustomerNotSuspendedError);
  });

  it('ignores a snapshot of the older state shape and takes a new one', async () => {
    const { store, commands } = setup({ snapshotEvery: 3 });
    await commands.execute(register('c1'), meta);
    await commands.execute(suspend('c1', { reason: 'legacy' }), meta);
    // A snapshot as the previous deployment took it: state schema 1, `suspensionReason`.
    await store.saveSnapshot('c1', {
      version: 2,
      schemaVersion: 1,
      state: { status: 'SUSPENDED', email: 'c1@example.com', name: 'Ada', suspensionReason: 'x' },
      takenAt: '2026-11-26T10:00:00.000Z',
    });
    await commands.execute({ type: 'ReactivateCustomer', data: { customerId: 'c1' } }, meta);
    await commands.drain();
    const loaded = await store.load('c1', { snapshotSchemaVersion: SNAPSHOT_SCHEMA_VERSION });
    expect(loaded.snapshot).toMatchObject({ version: 3, schemaVersion: SNAPSHOT_SCHEMA_VERSION });
    expect(loaded.snapshot?.state).toEqual({
      status: 'ACTIVE',
      email: 'c1@example.com',
      name: 'Ada',
    });
  });

  it('never fails a command because a snapshot could not be written', async () => {
    const { store, commands } = setup({ snapshotEvery: 2 });
    vi.spyOn(store, 'saveSnapshot').mockRejectedValue(new Error('disk full'));
    await commands.execute(register('c1'), meta);
    await expect(
      commands.execute(
        { type: 'SuspendCustomer', data: { customerId: 'c1', reasonCode: 'FRAUD' } },
        meta,
      ),
    ).resolves.toMatchObject({ version: 2 });
    await commands.drain();
    expect(await store.readStream('c1')).toHaveLength(2);
  });
});
