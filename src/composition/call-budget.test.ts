import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../config.js';
import { backoffCapMs, callBudget } from './call-budget.js';

const budgetOf = (env: Record<string, string>) => callBudget(readConfig(env));

describe('the call budget of an AWS client', () => {
  it('by default: 3 attempts of 1.9 s with 300 ms of backoff, 6 s in all, in a 10 s function', () => {
    expect(budgetOf({})).toEqual({
      maxAttempts: 3,
      connectTimeoutMs: 1000,
      requestTimeoutMs: 1900,
      worstCaseMs: 6000,
      functionTimeoutMs: 10_000,
    });
  });

  it('follows the function timeout the stack passes, up to 5 s an attempt', () => {
    expect(budgetOf({ FUNCTION_TIMEOUT_MS: '30000' })).toMatchObject({
      requestTimeoutMs: 5000,
      worstCaseMs: 15_300,
    });
    expect(budgetOf({ FUNCTION_TIMEOUT_MS: '5000' })).toMatchObject({
      requestTimeoutMs: 900,
      connectTimeoutMs: 900,
      worstCaseMs: 3000,
    });
  });

  it('keeps attempts × (timeout + backoff) within 60% of the function timeout, whatever is set', () => {
    for (const functionMs of [1000, 3000, 10_000, 60_000, 900_000]) {
      for (const attempts of [1, 2, 3, 5, 8]) {
        let budget: ReturnType<typeof callBudget>;
        try {
          budget = budgetOf({
            FUNCTION_TIMEOUT_MS: String(functionMs),
            AWS_MAX_ATTEMPTS: String(attempts),
          });
        } catch (error) {
          // Too many attempts for a short function: refused at start-up, never exceeded.
          expect(error).toBeInstanceOf(ConfigError);
          continue;
        }
        let backoff = 0;
        for (let retry = 1; retry < attempts; retry++) backoff += backoffCapMs(retry);
        expect(budget.worstCaseMs).toBe(attempts * budget.requestTimeoutMs + backoff);
        expect(budget.worstCaseMs).toBeLessThanOrEqual(functionMs * 0.6);
      }
    }
  });

  it('refuses settings that would let one call outlast its share of the function', () => {
    expect(() => budgetOf({ AWS_REQUEST_TIMEOUT_MS: '5000' })).toThrow(
      /AWS_MAX_ATTEMPTS \(3\) × AWS_REQUEST_TIMEOUT_MS \(5000\).*must fit in 6000 ms/,
    );
    expect(() =>
      budgetOf({ AWS_REQUEST_TIMEOUT_MS: '800', AWS_CONNECT_TIMEOUT_MS: '900' }),
    ).toThrow(ConfigError);
    expect(budgetOf({ AWS_REQUEST_TIMEOUT_MS: '800', AWS_MAX_ATTEMPTS: '2' })).toMatchObject({
      requestTimeoutMs: 800,
      connectTimeoutMs: 800,
      worstCaseMs: 1700,
    });
  });

  it('backs off exponentially from 100 ms, capped at 1 s', () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffCapMs)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
