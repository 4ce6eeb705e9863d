import type { EventStore } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { type Clock, type Logger, silentLogger } from '../core/ports.js';
import type { Projection, VersionedView } from '../core/projection.js';
import type { Checkpoints, StreamChanges } from '../core/stream-changes.js';
import { ViewCatchUp } from '../core/view-catch-up.js';
import type { ViewStore } from '../core/view-store.js';

export interface ReconcilerOptions<View extends VersionedView = VersionedView> {
  changes: StreamChanges;
  checkpoints: Checkpoints;
  events: Pick<EventStore, 'readStream'>;
  views: ViewStore<View>;
  /** The projection the projector runs for this read model. */
  projection: Projection<View>;
  /** Names the checkpoint: one per read model (its table name). */
  name: string;
  clock?: Clock;
  /** Events younger than this are left to the pipeline, which is still delivering them. */
  settleMs?: number;
  /**
   * How far each run reaches back before the previous run's end: an event's timestamp is
   * taken before its write lands, and the index is eventually consistent.
   */
  overlapMs?: number;
  /** The range of the first run, which has no checkpoint. */
  initialLookbackMs?: number;
  concurrency?: number;
  metrics?: Metrics;
  logger?: Logger;
}

export interface ReconcileReport {
  from: string;
  to: string;
  /** Distinct streams with an event in the range. */
  streams: number;
  /** Views that were behind their stream and were caught up. */
  healed: number;
  failed: number;
  failures: Array<{ aggregateId: string; error: unknown }>;
}

/**
 * One run of the reconciler: lists the streams that changed since the last run (from the
 * change index, not a scan), and catches up any view that is behind, as the projector would
 * have on the lost notification. A view that is current costs one read. The checkpoint
 * moves to the end of the range even when a stream fails: failures are counted, logged and
 * alarmed on, and the next event of that stream or a rebuild retries it.
 */
export const reconcileViews = async <View extends VersionedView>(
  options: ReconcilerOptions<View>,
): Promise<ReconcileReport> => {
  const clock = options.clock ?? { now: () => new Date() };
  const metrics = options.metrics ?? noMetrics;
  const logger = options.logger ?? silentLogger;
  const now = clock.now().getTime();
  const settleMs = options.settleMs ?? 60_000;
  const overlapMs = options.overlapMs ?? 5 * 60_000;
  const last = await options.checkpoints.read(options.name);
  const fromMs =
    last === undefined
      ? now - (options.initialLookbackMs ?? 60 * 60_000)
      : Date.parse(last) - overlapMs;
  const to = new Date(now - settleMs).toISOString();
  const from = new Date(Math.min(fromMs, now - settleMs)).toISOString();
  const report: ReconcileReport = { from, to, streams: 0, healed: 0, failed: 0, failures: [] };

  // The newest version seen per stream: a view at or past it is current.
  const latest = new Map<string, number>();
  for await (const page of options.changes.changesBetween(from, to)) {
    for (const { aggregateId, version } of page) {
      latest.set(aggregateId, Math.max(version, latest.get(aggregateId) ?? 0));
    }
  }
  report.streams = latest.size;

  const catchUp = new ViewCatchUp({
    events: options.events,
    views: options.views,
    projection: options.projection,
  });
  const queue = [...latest];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [aggregateId, version] = next;
      try {
        const outcome = await catchUp.catchUp(aggregateId, { upTo: version });
        if (outcome.status === 'applied') {
          report.healed++;
          logger.info('view healed', { aggregateId, version: outcome.version });
        }
      } catch (error) {
        report.failed++;
        report.failures.push({ aggregateId, error });
        logger.error('view not reconciled', { aggregateId, version, error });
      }
    }
  };
  const concurrency = Math.max(options.concurrency ?? 8, 1);
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));

  await options.checkpoints.write(options.name, to);
  metrics.count(METRIC.viewsHealed, undefined, report.healed);
  metrics.count(METRIC.reconcileFailed, undefined, report.failed);
  logger.info('reconciled', {
    from,
    to,
    streams: report.streams,
    healed: report.healed,
    failed: report.failed,
  });
  return report;
};
