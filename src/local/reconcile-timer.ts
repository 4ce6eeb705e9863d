import type { ReconcileReport } from '../app/reconciler.js';
import type { Logger } from '../core/ports.js';

export interface ReconcileTimer {
  /** Resolves when the run in progress, if any, has finished; no run starts after it. */
  stop(): Promise<void>;
}

/**
 * What the stack's schedule does, on one machine: one reconciler run every `intervalMs`,
 * never two at once (a run that overruns delays the next).
 */
export const startReconcileTimer = (options: {
  intervalMs: number;
  run: () => Promise<ReconcileReport>;
  logger: Logger;
}): ReconcileTimer => {
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = options
        .run()
        .then(
          (report) => {
            if (report.healed > 0 || report.failed > 0) {
              options.logger.info('reconciler healed views', {
                streams: report.streams,
                healed: report.healed,
                failed: report.failed,
              });
            }
          },
          (error: unknown) => options.logger.warn('reconciler run failed', { error }),
        )
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, options.intervalMs);
    // A waiting timer does not keep the process alive.
    timer.unref?.();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
};
