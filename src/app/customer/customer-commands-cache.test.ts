import { describe, expect, it, vi } from 'vitest';
import { InMemoryEventStore } from '../../adapters/memory/in-memory-event-store.js';
import { LruAggregateCache } from '../../core/aggregate-cache.js';
import { ConcurrencyError, StoreUnavailableError, UniquenessError } from '../../core/errors.js';
import type { CustomerState } from '../../domain/customer/index.js';
import { CustomerCommandService } from './customer-commands.js';

const meta = { correlationId: 'corr-1' };
const register = (customerId: string, email = `${customerId}@example.com`) => ({
  type: 'RegisterCustomer',
  data: { customerId, email, name: 'Ada' },
});
const updateEmail = (customerId: string, newEmail: string, expectedVersion?: number) => ({
  type: 'UpdateEmail',
  data: { customerId, newEmail, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
});
const suspend = (customerId: string) => ({
  type: 'SuspendCustomer',
  data: { customerId, reasonCode: 'FRAUD' },
});
const reactivate = (customerId: string) => ({ type: 'ReactivateCustomer', data: { customerId } });

/** One store, and one service per "process", each with a cache of its own. */
const setup = (processes = 2, size = 100) => {
  const store = new InMemoryEventStore();
  const caches = Array.from(
    { length: processes },
    () => new LruAggregateCache<CustomerState>(size),
  );
  const services = caches.map(
    (aggregateCache) => new CustomerCommandService({ store, aggregateCache }),
  );
  const calls = { load: vi.spyOn(store, 'load'), append: vi.spyOn(store, 'append') };
  return { store, caches, services, calls };
};

const emails = async (store: InMemoryEventStore, id: string) =>
  (await store.readStream(id)).map((e) => {
    const payload = e.payload as { email?: string; newEmail?: string };
    return payload.newEmail ?? payload.email;
  });

describe('CustomerCommandService with an aggregate cache', () => {
  it('decides a warm command on the cached state: one append, no load', async () => {
    const { services, calls, caches } = setup(1);
    const [a] = services as [CustomerCommandService];
    await a.execute(register('c1'), meta);
    calls.load.mockClear();
    calls.append.mockClear();

    const outcome = await a.execute(updateEmail('c1', 'b@example.com'), meta);
    await a.execute(updateEmail('c1', 'c@example.com'), meta);

    expect(outcome.version).toBe(2);
    expect(calls.load).not.toHaveBeenCalled();
    expect(calls.append).toHaveBeenCalledTimes(2);
    expect(caches[0]?.stats()).toMatchObject({ hits: 2, size: 1 });
  });

  it('never commits on a stale entry: another process moved the stream, the command reloads', async () => {
    const { store, services } = setup();
    const [a, b] = services as [CustomerCommandService, CustomerCommandService];
    await a.execute(register('c1', 'a@example.com'), meta);
    await b.execute(updateEmail('c1', 'b@example.com'), meta);

    // a still holds c1 at version 1 with a@example.com.
    const outcome = await a.execute(updateEmail('c1', 'c@example.com'), meta);

    expect(outcome.version).toBe(3);
    const events = await store.readStream('c1');
    expect(events.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(events[2]?.payload).toEqual({ oldEmail: 'b@example.com', newEmail: 'c@example.com' });
  });

  it('releases the right email when the cache is stale, so no two customers hold one', async () => {
    const { services } = setup();
    const [a, b] = services as [CustomerCommandService, CustomerCommandService];
    await a.execute(register('c1', 'shared@example.com'), meta);
    // Elsewhere c1 gives the address up and c2 takes it.
    await b.execute(updateEmail('c1', 'moved@example.com'), meta);
    await b.execute(register('c2', 'shared@example.com'), meta);

    // Decided on a's stale state, this would release shared@ (now c2's): it must not.
    await a.execute(updateEmail('c1', 'third@example.com'), meta);

    await expect(a.execute(register('c3', 'shared@example.com'), meta)).rejects.toBeInstanceOf(
      UniquenessError,
    );
    await expect(b.execute(register('c4', 'moved@example.com'), meta)).resolves.toMatchObject({
      version: 1,
    });
  });

  it('checks a client version that differs from the cached one against a fresh load', async () => {
    const { store, services, calls } = setup();
    const [a, b] = services as [CustomerCommandService, CustomerCommandService];
    await a.execute(register('c1'), meta);
    await b.execute(updateEmail('c1', 'b@example.com'), meta);
    calls.load.mockClear();

    // The client saw version 2 (from b); a's cache says 1: the store decides, not the cache.
    const outcome = await a.execute(updateEmail('c1', 'c@example.com', 2), meta);

    expect(outcome.version).toBe(3);
    expect(calls.load).toHaveBeenCalledTimes(1);
    expect(await emails(store, 'c1')).toEqual(['c1@example.com', 'b@example.com', 'c@example.com']);
  });

  it('answers 409 when the client version matches a stale entry, and writes nothing', async () => {
    const { store, services } = setup();
    const [a, b] = services as [CustomerCommandService, CustomerCommandService];
    await a.execute(register('c1'), meta);
    await b.execute(updateEmail('c1', 'b@example.com'), meta);

    const error = await a.execute(updateEmail('c1', 'c@example.com', 1), meta).catch((e) => e);

    expect(error).toBeInstanceOf(ConcurrencyError);
    expect((error as ConcurrencyError).message).toContain('c1');
    expect((await store.readStream('c1')).map((e) => e.version)).toEqual([1, 2]);
  });

  it('does not refuse on a stale state: a rule broken in the cache is judged on a fresh load', async () => {
    const { store, services } = setup();
    const [a, b] = services as [CustomerCommandService, CustomerCommandService];
    await a.execute(register('c1'), meta);
    await a.execute(suspend('c1'), meta);
    await b.execute(reactivate('c1'), meta);

    // a's cache says SUSPENDED; the store says ACTIVE.
    await expect(a.execute(updateEmail('c1', 'b@example.com'), meta)).resolves.toMatchObject({
      version: 4,
    });
    expect((await store.readStream('c1')).map((e) => e.eventType)).toEqual([
      'CustomerRegistered',
      'CustomerSuspended',
      'CustomerReactivated',
      'CustomerEmailUpdated',
    ]);
  });

  it('does not answer a no-op on a stale state', async () => {
    const { store, services } = setup();
    const [a, b] = services as [CustomerCommandService, CustomerCommandService];
    await a.execute(register('c1', 'x@example.com'), meta);
    await b.execute(updateEmail('c1', 'y@example.com'), meta);

    // To a, c1 already has x@: a no-op on the cache, an email change in the store.
    const outcome = await a.execute(updateEmail('c1', 'x@example.com'), meta);

    expect(outcome.version).toBe(3);
    expect(await emails(store, 'c1')).toEqual(['x@example.com', 'y@example.com', 'x@example.com']);
  });

  it('answers a retried key from its record when the first try went through another process', async () => {
    const { store, services } = setup();
    const [a, b] = services as [CustomerCommandService, CustomerCommandService];
    await a.execute(register('c1'), meta);
    const first = await b.execute(updateEmail('c1', 'b@example.com'), { ...meta, commandId: 'k' });

    const retry = await a.execute(updateEmail('c1', 'b@example.com'), { ...meta, commandId: 'k' });

    expect(retry).toMatchObject({ version: first.version, replayed: true, events: [] });
    expect(await store.readStream('c1')).toHaveLength(2);
  });

  it('evicts on a failed append, so the next command loads', async () => {
    const { store, services, caches, calls } = setup(1);
    const [a] = services as [CustomerCommandService];
    await a.execute(register('c1'), meta);
    calls.append.mockRejectedValueOnce(new StoreUnavailableError('TransactWriteItems'));

    await expect(a.execute(updateEmail('c1', 'b@example.com'), meta)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(caches[0]?.get('c1')).toBeUndefined();

    calls.load.mockClear();
    await a.execute(updateEmail('c1', 'b@example.com'), meta);
    expect(calls.load).toHaveBeenCalledTimes(1);
    expect((await store.readStream('c1')).map((e) => e.version)).toEqual([1, 2]);
  });

  it('evict(customerId) drops one customer', async () => {
    const { services, caches, calls } = setup(1);
    const [a] = services as [CustomerCommandService];
    await a.execute(register('c1'), meta);
    await a.execute(register('c2'), meta);

    a.evict('c1');

    expect(caches[0]?.get('c1')).toBeUndefined();
    expect(caches[0]?.get('c2')?.version).toBe(1);
    calls.load.mockClear();
    await a.execute(updateEmail('c1', 'b@example.com'), meta);
    expect(calls.load).toHaveBeenCalledTimes(1);
  });

  it('forgets a forgotten customer: ForgetCustomer leaves nothing of it in the cache', async () => {
    const { services, caches } = setup(1);
    const [a] = services as [CustomerCommandService];
    await a.execute(register('c1'), meta);
    expect(caches[0]?.get('c1')?.state).toMatchObject({ email: 'c1@example.com' });

    await a.execute({ type: 'ForgetCustomer', data: { customerId: 'c1' } }, meta);

    expect(caches[0]?.get('c1')).toBeUndefined();
  });

  it('two processes racing on the same customers land every command once, in order', async () => {
    const { store, services } = setup(2);
    const ids = ['r1', 'r2', 'r3'];
    for (const id of ids) await services[0]?.execute(register(id), meta);
    await Promise.all(
      ids.flatMap((id) =>
        Array.from({ length: 8 }, (_, n) =>
          services[n % 2]?.execute(updateEmail(id, `${id}-${n}@example.com`), meta),
        ),
      ),
    );
    for (const id of ids) {
      const events = await store.readStream(id);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // Each change starts from the email the one before it left: never a stale decision.
      const payloads = events.map((e) => e.payload as { email?: string; oldEmail?: string });
      const current = payloads.map((p) => (p as { newEmail?: string }).newEmail ?? p.email ?? '');
      payloads.slice(1).forEach((p, n) => {
        expect(p.oldEmail).toBe(current[n]);
      });
    }
  });
});

describe('LruAggregateCache', () => {
  const entry = (version: number) => ({ state: { version }, version, sinceSnapshot: 0 });

  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new LruAggregateCache<{ version: number }>(2);
    cache.set('a', entry(1));
    cache.set('b', entry(1));
    cache.get('a');
    cache.set('c', entry(1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.version).toBe(1);
    expect(cache.get('c')?.version).toBe(1);
    expect(cache.stats()).toEqual({ hits: 3, misses: 1, evictions: 1, size: 2, maxEntries: 2 });
  });

  it('drops an entry older than maxAgeMs, however recently it was used', () => {
    let now = 0;
    const cache = new LruAggregateCache<{ version: number }>(10, {
      maxAgeMs: 1000,
      now: () => now,
    });
    cache.set('a', entry(1));
    now = 600;
    expect(cache.get('a')?.version).toBe(1);
    now = 1000;
    expect(cache.get('a')?.version).toBe(1);
    // Age counts from when the state was stored, not from the last use.
    now = 1001;
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', entry(2));
    now = 1500;
    expect(cache.get('a')?.version).toBe(2);
    expect(cache.stats()).toEqual({ hits: 3, misses: 1, evictions: 1, size: 1, maxEntries: 10 });
  });

  it('refuses a size that is not a positive whole number, naming it', () => {
    expect(() => new LruAggregateCache(0)).toThrow(/maxEntries/);
    expect(() => new LruAggregateCache(1.5)).toThrow(/maxEntries/);
  });
});
