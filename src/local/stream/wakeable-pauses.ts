/**
 * Timed pauses that can be cut short all at once: the poller sleeps between reads, and
 * `stop()` or a caller waiting for idleness must not wait for the timer.
 */
export class WakeablePauses {
  private readonly wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Ends every pause under way now. */
  wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
