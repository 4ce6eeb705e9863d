import { StreamPollerNotIdleError } from './stream-poller-errors.js';

interface Waiter {
  after: number;
  resolve: () => void;
}

/**
 * Callers of `waitUntilIdle`, settled by epochs: each call opens a new epoch, every read
 * (and listing) notes the epoch it began in, and a caller is released once everything the
 * poller reads was found quiet by a read that began in its epoch or later, so a record
 * written before the call cannot still be unread.
 */
export class IdleWaiters {
  private current = 0;
  private waiters: Waiter[] = [];

  /** The epoch a read starting now belongs to. */
  get epoch(): number {
    return this.current;
  }

  get pending(): boolean {
    return this.waiters.length > 0;
  }

  /** Opens an epoch and resolves once `settle` is told everything was quiet since it. */
  wait(timeoutMs: number): Promise<void> {
    const after = ++this.current;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        after,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new StreamPollerNotIdleError(`The stream poller was not idle within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Releases the callers whose epoch began at or before `quietSince` (-1: none). */
  settle(quietSince: number): void {
    if (quietSince < 0 || this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.after <= quietSince);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.after > quietSince);
    for (const waiter of ready) waiter.resolve();
  }
}
