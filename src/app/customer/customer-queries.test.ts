import { describe, expect, it } from 'vitest';
import { view } from '../../../test/contract/customer-view-reader.contract.js';
import { InMemoryCustomerViewReader } from '../../adapters/memory/in-memory-customer-view-reader.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import { ViewNotCaughtUpError } from '../query-errors.js';
import { CustomerQueryService } from './customer-queries.js';

/** A clock that only moves when the service sleeps, so waits take no real time. */
const fakeTime = () => {
  let now = Date.parse('2024-03-01T00:00:00.000Z');
  const pauses: number[] = [];
  const onSleep: Array<(elapsed: number) => void> = [];
  const clock: Clock = { now: () => new Date(now) };
  const sleep = async (ms: number) => {
    pauses.push(ms);
    now += ms;
    for (const listener of onSleep) listener(pauses.reduce((a, b) => a + b, 0));
  };
  return { clock, sleep, pauses, onSleep };
};

const setup = (minVersionWaitMs = 3000) => {
  const reader = new InMemoryCustomerViewReader();
  const time = fakeTime();
  const queries = new CustomerQueryService({
    reader,
    clock: time.clock,
    sleep: time.sleep,
    minVersionWaitMs,
  });
  return { reader, queries, time };
};

describe('CustomerQueryService.getCustomer', () => {
  it('answers the view of a known customer', async () => {
    const { reader, queries } = setup();
    reader.put(view(1));
    expect(await queries.getCustomer('cust-01')).toStrictEqual(view(1));
  });

  it('throws NotFoundError for an unknown customer', async () => {
    const { queries } = setup();
    const error = await queries.getCustomer('cust-99').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
  });

  it('refuses an id that no customer can have, naming the field', async () => {
    const { queries } = setup();
    await expect(queries.getCustomer('a/b')).rejects.toMatchObject({
      kind: 'invalid',
      details: [{ field: 'customerId', message: expect.any(String) }],
    });
  });

  it('answers at once when the view already reached minVersion', async () => {
    const { reader, queries, time } = setup();
    reader.put(view(1, { version: 4 }));
    expect((await queries.getCustomer('cust-01', { minVersion: 3 })).version).toBe(4);
    expect(time.pauses).toEqual([]);
  });

  it('waits with growing pauses (capped at 100 ms) until the projector writes minVersion', async () => {
    const { reader, queries, time } = setup();
    reader.put(view(1, { version: 1 }));
    time.onSleep.push((elapsed) => {
      if (elapsed >= 300) reader.put(view(1, { version: 3, name: 'Renamed' }));
    });
    const answer = await queries.getCustomer('cust-01', { minVersion: 3 });
    expect(answer).toMatchObject({ version: 3, name: 'Renamed' });
    expect(time.pauses).toEqual([25, 50, 100, 100, 100]);
  });

  it('waits for a view that does not exist yet', async () => {
    const { reader, queries, time } = setup();
    time.onSleep.push((elapsed) => {
      if (elapsed >= 50) reader.put(view(1));
    });
    expect(await queries.getCustomer('cust-01', { minVersion: 1 })).toStrictEqual(view(1));
  });

  it('gives up after the bound with a conflict that carries the current version', async () => {
    const { reader, queries, time } = setup(3000);
    reader.put(view(1, { version: 2 }));
    const error = await queries.getCustomer('cust-01', { minVersion: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViewNotCaughtUpError);
    expect(error).toMatchObject({
      kind: 'conflict',
      code: 'VIEW_NOT_CAUGHT_UP',
      currentVersion: 2,
      details: [{ field: 'minVersion', currentVersion: 2, minVersion: 5 }],
    });
    expect(time.pauses.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(Math.max(...time.pauses)).toBeLessThanOrEqual(100);
  });

  it('reports version 0 when the view never appeared, and takes a shorter wait when asked', async () => {
    const { queries, time } = setup(3000);
    await expect(
      queries.getCustomer('cust-01', { minVersion: 1, waitMs: 100 }),
    ).rejects.toMatchObject({ currentVersion: 0 });
    expect(time.pauses).toEqual([25, 50, 25]);
  });

  it('never waits longer than the configured bound', async () => {
    const { queries, time } = setup(200);
    await expect(queries.getCustomer('cust-01', { minVersion: 1, waitMs: 60_000 })).rejects.toThrow(
      ViewNotCaughtUpError,
    );
    expect(time.pauses.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('holds at most maxConcurrentWaits waits; one more reads once and answers "not yet" at once', async () => {
    const reader = new InMemoryCustomerViewReader();
    reader.put(view(1, { version: 1 }));
    // Sleeps that last until the test ends them: the first two requests hold their waits.
    const sleeping: Array<() => void> = [];
    const queries = new CustomerQueryService({
      reader,
      sleep: () => new Promise<void>((resolve) => sleeping.push(resolve)),
      minVersionWaitMs: 3000,
      maxConcurrentWaits: 2,
    });
    const first = queries.getCustomer('cust-01', { minVersion: 2 });
    const second = queries.getCustomer('cust-01', { minVersion: 2 });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(sleeping).toHaveLength(2);
    const third = await queries.getCustomer('cust-01', { minVersion: 2 }).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(ViewNotCaughtUpError);
    expect(third).toMatchObject({ currentVersion: 1, retryAfterSeconds: 1 });
    expect(sleeping).toHaveLength(2);
    // The held waits see the view catch up; a wait is free again afterwards.
    reader.put(view(1, { version: 2 }));
    for (const wake of sleeping.splice(0)) wake();
    expect((await first).version).toBe(2);
    expect((await second).version).toBe(2);
    reader.put(view(1, { version: 2 }));
    const fourth = queries.getCustomer('cust-01', { minVersion: 3 });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(sleeping).toHaveLength(1);
    reader.put(view(1, { version: 3 }));
    sleeping.splice(0)[0]?.();
    expect((await fourth).version).toBe(3);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses minVersion %s', async (minVersion) => {
    const { queries } = setup();
    await expect(queries.getCustomer('cust-01', { minVersion })).rejects.toMatchObject({
      kind: 'invalid',
      details: [{ field: 'minVersion', message: 'must be a positive integer' }],
    });
  });
});

describe('CustomerQueryService lists and searches', () => {
  it('pages active customers 20 at a time by default', async () => {
    const { reader, queries } = setup();
    for (let n = 1; n <= 45; n++) reader.put(view(n));
    reader.put(view(46, { status: 'SUSPENDED', suspensionReason: 'x' }));
    const first = await queries.listActive();
    expect(first.items).toHaveLength(20);
    const second = await queries.listActive({ cursor: first.nextCursor });
    const third = await queries.listActive({ cursor: second.nextCursor });
    expect(third.items).toHaveLength(5);
    expect(third.nextCursor).toBeUndefined();
    const ids = [...first.items, ...second.items, ...third.items].map((v) => v.customerId);
    expect(new Set(ids).size).toBe(45);
    expect(ids).not.toContain('cust-46');
  });

  it('searches case-insensitively, trimming the query, for exact and prefix matches', async () => {
    const { reader, queries } = setup();
    reader.put(view(1, { email: 'Alice@Example.com' }));
    reader.put(view(2, { email: 'alan@example.com' }));
    reader.put(view(3, { email: 'bob@example.com' }));
    const exact = await queries.searchByEmail({ email: '  ALICE@example.COM ' });
    expect(exact.items.map((v) => v.customerId)).toEqual(['cust-01']);
    const prefix = await queries.searchByEmail({ email: 'Al' });
    expect(prefix.items.map((v) => v.customerId)).toEqual(['cust-02', 'cust-01']);
  });

  it.each([0, 101, 2.5])('refuses limit %s', async (limit) => {
    const { queries } = setup();
    for (const read of [
      () => queries.listActive({ limit }),
      () => queries.searchByEmail({ email: 'a', limit }),
    ]) {
      await expect(read()).rejects.toMatchObject({
        kind: 'invalid',
        details: [{ field: 'limit', message: 'must be an integer from 1 to 100' }],
      });
    }
  });

  it('accepts the largest limit', async () => {
    const { queries } = setup();
    await expect(queries.listActive({ limit: 100 })).resolves.toEqual({ items: [] });
  });

  it('refuses an empty email query', async () => {
    const { queries } = setup();
    await expect(queries.searchByEmail({ email: '   ' })).rejects.toMatchObject({
      details: [{ field: 'email', message: 'must not be empty' }],
    });
  });

  it('refuses a malformed cursor', async () => {
    const { queries } = setup();
    const error = await queries.listActive({ cursor: '%%%' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ details: [{ field: 'cursor' }] });
  });
});
