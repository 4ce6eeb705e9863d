import { sleep as defaultSleep } from './ports.js';

/**
 * How long to wait between attempts: exponential from `initialDelayMs`, capped at
 * `maxDelayMs`, with full jitter (a pause anywhere from 0 to the cap) unless `jitter` is
 * `'none'`. Attempts stop when `maxAttempts` have been made or, with `budgetMs`, when the
 * time since the first attempt has used the budget (the last pause is cut to what is left).
 */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Full jitter spreads racing callers out, so they do not collide again in step. */
  jitter?: 'full' | 'none';
  /** Total attempts, the first included. */
  maxAttempts?: number;
  /** Total time from the first attempt after which no further attempt starts. */
  budgetMs?: number;
}

/** What a backoff needs from the outside world; tests inject all three. */
export interface BackoffEnvironment {
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1), as `Math.random`. */
  random?: () => number;
  /** Milliseconds since an epoch, as `Date.now`. */
  now?: () => number;
}

/**
 * One run of attempts under a policy. Call `nextDelay()` (or `wait()`) after each failed
 * attempt; `undefined` (or `false`) means the attempts or the budget are spent.
 */
export class Backoff {
  private failures = 0;
  private readonly startedAt: number;
  private readonly sleepFor: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly policy: BackoffPolicy,
    environment: BackoffEnvironment = {},
  ) {
    this.sleepFor = environment.sleep ?? defaultSleep;
    this.random = environment.random ?? Math.random;
    this.now = environment.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Attempts that failed so far. */
  get attempts(): number {
    return this.failures;
  }

  /** Milliseconds since the first attempt. */
  get elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  /** Records a failed attempt; the pause before the next one, or `undefined` when spent. */
  nextDelay(): number | undefined {
    this.failures++;
    const { maxAttempts, budgetMs } = this.policy;
    if (maxAttempts !== undefined && this.failures >= maxAttempts) return undefined;
    const delay = delayForAttempt(this.policy, this.failures, this.random);
    if (budgetMs === undefined) return delay;
    const remaining = budgetMs - this.elapsedMs;
    return remaining <= 0 ? undefined : Math.min(delay, remaining);
  }

  /** Records a failed attempt and pauses; `false` (without pausing) when spent. */
  async wait(): Promise<boolean> {
    const delay = this.nextDelay();
    if (delay === undefined) return false;
    await this.sleepFor(delay);
    return true;
  }

  /** Starts over, as after a success. */
  reset(): void {
    this.failures = 0;
  }
}

/** The pause after the `failures`-th failed attempt (1-based). */
export const delayForAttempt = (
  policy: Pick<BackoffPolicy, 'initialDelayMs' | 'maxDelayMs' | 'jitter'>,
  failures: number,
  random: () => number = Math.random,
): number => {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(failures - 1, 0));
  return policy.jitter === 'none' ? cap : random() * cap;
};

export interface RetryOptions extends BackoffPolicy, BackoffEnvironment {
  /** Whether an error is worth another attempt; anything else is thrown at once. */
  retryable: (error: unknown) => boolean;
  /** Called before each pause (metrics, logs). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `operation` until it succeeds, it throws an error that is not `retryable`, or the
 * policy is spent; then the last error is thrown.
 */
export const retry = async <T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> => {
  const backoff = new Backoff(options, options);
  const sleepFor = options.sleep ?? defaultSleep;
  for (;;) {
    try {
      return await operation(backoff.attempts + 1);
    } catch (error) {
      if (!options.retryable(error)) throw error;
      const delay = backoff.nextDelay();
      if (delay === undefined) throw error;
      options.onRetry?.(error, backoff.attempts, delay);
      await sleepFor(delay);
    }
  }
};
