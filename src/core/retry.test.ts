import { describe, expect, it } from 'vitest';
import { Backoff, delayForAttempt, retry } from './retry.js';

/** A clock that only moves when the code under test sleeps. */
const fakeTime = () => {
  let now = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: async (ms: number) => {
      pauses.push(ms);
      now += ms;
    },
  };
};

class Conflict extends Error {}

describe('delayForAttempt', () => {
  it('doubles from the initial delay up to the cap, without jitter', () => {
    const policy = { initialDelayMs: 25, maxDelayMs: 100, jitter: 'none' as const };
    expect([1, 2, 3, 4, 5].map((n) => delayForAttempt(policy, n))).toEqual([25, 50, 100, 100, 100]);
  });

  it('with full jitter, scales the cap by the random draw', () => {
    const policy = { initialDelayMs: 10, maxDelayMs: 1000 };
    expect(delayForAttempt(policy, 3, () => 0.5)).toBe(20);
    expect(delayForAttempt(policy, 30, () => 0.25)).toBe(250);
    expect(delayForAttempt(policy, 1, () => 0)).toBe(0);
  });
});

describe('Backoff', () => {
  it('stops after maxAttempts, the first attempt included', async () => {
    const time = fakeTime();
    const backoff = new Backoff(
      { initialDelayMs: 10, maxDelayMs: 100, jitter: 'none', maxAttempts: 3 },
      time,
    );
    expect(await backoff.wait()).toBe(true);
    expect(await backoff.wait()).toBe(true);
    expect(await backoff.wait()).toBe(false);
    expect(time.pauses).toEqual([10, 20]);
  });

  it('stops when the time budget is used, cutting the last pause to what is left', async () => {
    const time = fakeTime();
    const backoff = new Backoff(
      { initialDelayMs: 40, maxDelayMs: 100, jitter: 'none', budgetMs: 250 },
      time,
    );
    while (await backoff.wait()) {}
    expect(time.pauses).toEqual([40, 80, 100, 30]);
    expect(backoff.elapsedMs).toBe(250);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ initialDelayMs: 10, maxDelayMs: 100, jitter: 'none' });
    expect(backoff.nextDelay()).toBe(10);
    expect(backoff.nextDelay()).toBe(20);
    backoff.reset();
    expect(backoff.nextDelay()).toBe(10);
  });
});

describe('retry', () => {
  it('retries a retryable error until the operation succeeds', async () => {
    const time = fakeTime();
    let calls = 0;
    const retried: number[] = [];
    const result = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 4) throw new Conflict();
        return `landed on attempt ${attempt}`;
      },
      {
        initialDelayMs: 5,
        maxDelayMs: 200,
        budgetMs: 10_000,
        random: () => 1,
        retryable: (e) => e instanceof Conflict,
        onRetry: (_e, attempt) => retried.push(attempt),
        ...time,
      },
    );
    expect(result).toBe('landed on attempt 4');
    expect(calls).toBe(4);
    expect(retried).toEqual([1, 2, 3]);
    expect(time.pauses).toEqual([5, 10, 20]);
  });

  it('throws an error that is not retryable at once', async () => {
    const time = fakeTime();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new TypeError('bad');
        },
        { initialDelayMs: 5, maxDelayMs: 5, retryable: (e) => e instanceof Conflict, ...time },
      ),
    ).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
    expect(time.pauses).toEqual([]);
  });

  it('throws the last error once the budget is spent', async () => {
    const time = fakeTime();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Conflict(`attempt ${calls}`);
        },
        {
          initialDelayMs: 100,
          maxDelayMs: 100,
          jitter: 'none',
          budgetMs: 350,
          retryable: () => true,
          ...time,
        },
      ),
    ).rejects.toThrow('attempt 5');
    expect(time.pauses).toEqual([100, 100, 100, 50]);
  });
});
