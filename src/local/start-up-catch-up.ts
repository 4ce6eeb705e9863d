import { rebuildViews } from '../app/rebuild.js';
import type { Service } from '../composition/service.js';

export interface StartUpCatchUp {
  /** Streams looked at. */
  streams: number;
  /** Views that were behind their stream, and were caught up. */
  healed: number;
  failed: number;
  /** No reconciler had run on this data: every stream was replayed. */
  firstRun: boolean;
}

/**
 * Catches up every view behind its stream, before the pipeline starts: the local queue
 * lives in memory, so notifications of a run that was killed, or whose last messages
 * failed, are gone. The reconciler lists the streams changed since its last run from the
 * change index (cheap, whatever the clean-stop marker says); with no run yet (a new or
 * older data folder) every stream is replayed once. Views only move forward, so catching up
 * twice changes nothing; run before the pipeline, `healed` counts what the last run lost.
 */
export const catchUpViews = async (service: Service): Promise<StartUpCatchUp> => {
  let rebuilt = { processed: 0, updated: 0, failed: 0 };
  const firstRun = (await service.lastReconciled()) === undefined;
  if (firstRun) {
    rebuilt = await rebuildViews({ ...service.rebuildSources, concurrency: 8 });
  }
  // Nothing of the last run is still in flight: no event is too young to reconcile.
  const report = await service.reconcile({ settleMs: 0 });
  return {
    streams: Math.max(rebuilt.processed, report.streams),
    healed: rebuilt.updated + report.healed,
    failed: rebuilt.failed + report.failed,
    firstRun,
  };
};
