import { describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../app/reconciler.js';
import { silentLogger } from '../core/ports.js';
import { startReconcileTimer } from './reconcile-timer.js';

const report: ReconcileReport = {
  from: '',
  to: '',
  reached: '',
  complete: true,
  slices: 1,
  streams: 0,
  healed: 0,
  failed: 0,
  failures: [],
};

describe('the local reconciler timer', () => {
  it('runs one at a time, again after each run, and stop() waits for the run in progress', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    let release: (() => void) | undefined;
    const timer = startReconcileTimer({
      intervalMs: 1,
      logger: silentLogger,
      run: async () => {
        running++;
        most = Math.max(most, running);
        runs++;
        if (runs === 3) await new Promise<void>((resolve) => (release = resolve));
        running--;
        return report;
      },
    });
    while (runs < 3) await new Promise((r) => setTimeout(r, 2));
    const stopped = timer.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    release?.();
    await stopped;
    expect(most).toBe(1);
    expect(runs).toBe(3);
  });

  it('keeps going after a failed run', async () => {
    let runs = 0;
    const timer = startReconcileTimer({
      intervalMs: 1,
      logger: silentLogger,
      run: async () => {
        runs++;
        if (runs === 1) throw new Error('store down');
        return report;
      },
    });
    while (runs < 2) await new Promise((r) => setTimeout(r, 2));
    await timer.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
  });
});
