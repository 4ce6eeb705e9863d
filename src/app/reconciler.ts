import type { EventStore } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { type Clock, type Logger, silentLogger } from '../core/ports.js';
import type { Projection, VersionedView } from '../core/projection.js';
import type { Checkpoints, StreamChanges } from '../core/stream-changes.js';
import { SliceSizer, sliceFrom, type TimeSlice } from '../core/time-slices.js';
import { ViewCatchUp } from '../core/view-catch-up.js';
import type { ViewStore } from '../core/view-store.js';

/** BatchGetItem's limit: the views of one batch are read in one call. */
const VIEWS_PER_BATCH = 100;
/** Failures kept in the report; the count goes on. */
const FAILURES_KEPT = 100;

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
  /**
   * The window is worked through in slices, on a grid from the epoch, and the checkpoint
   * moves to each slice's end once it is done: a run cut short loses at most the slice in
   * progress. By default each slice is sized by the last (`SliceSizer`), from 1 s to an hour
   * (lengths that divide an hour, so a slice reads one hour's buckets of the change index),
   * aiming at `streamsPerSlice` streams: a quiet window costs a few queries per hour, and at
   * 10,000 events/s slices settle near 10 s, a few seconds of work each. A fixed length here
   * turns the sizing off.
   */
  sliceMs?: number;
  /** What an adaptive slice aims to hold. Default 100,000 streams. */
  streamsPerSlice?: number;
  /**
   * Streams held at once: a slice that lists more is healed in passes of this many, so
   * memory stays bounded whatever the rate (a stream in two passes is read twice).
   */
  maxStreamsInMemory?: number;
  /** Batches of up to 100 views in flight at once. */
  concurrency?: number;
  /**
   * Time left before the run is cut off (the Lambda context's remaining time). No slice is
   * started with less than `reserveMs`, nor less than twice the longest slice so far, left.
   * Absent: the run works through its whole window.
   */
  remainingMs?: () => number;
  reserveMs?: number;
  metrics?: Metrics;
  logger?: Logger;
}

export interface ReconcileReport {
  from: string;
  to: string;
  /** The checkpoint now: `to` when the run finished its window, else the last slice's end. */
  reached: string | undefined;
  /** False when the run stopped before its deadline with slices left; the next run goes on. */
  complete: boolean;
  slices: number;
  /** Streams with an event in a slice, counted once per slice (and per pass). */
  streams: number;
  /** Views that were behind their stream and were caught up. */
  healed: number;
  failed: number;
  /** The first failures (at most 100). */
  failures: Array<{ aggregateId: string; error: unknown }>;
}

/**
 * One run of the reconciler: lists the streams that changed since the last run (from the
 * change index, not a scan), and catches up any view that is behind, as the projector would
 * have on the lost notification. Slice by slice: the newest version listed per stream, its
 * view read in batches of up to 100, the event store read only for a view that is behind,
 * then the checkpoint moved to the slice's end. Work and memory grow with a slice, not with
 * the window. The checkpoint moves on even when a stream fails: failures are counted,
 * logged and alarmed on, and the next event of that stream or a rebuild retries it.
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
  const report: ReconcileReport = {
    from,
    to,
    reached: last,
    complete: true,
    slices: 0,
    streams: 0,
    healed: 0,
    failed: 0,
    failures: [],
  };

  const heal = healer(options, report);
  const maxStreams = Math.max(options.maxStreamsInMemory ?? 200_000, 1);
  const reserveMs = options.reserveMs ?? 30_000;
  const target = options.streamsPerSlice ?? 100_000;
  const sizer = options.sliceMs === undefined ? new SliceSizer(target) : undefined;
  let longestSliceMs = 0;
  const end = Date.parse(to);
  for (let start = Date.parse(from); start <= end; ) {
    // The first slice is always taken: a run that could take none would never move on.
    const left = report.slices > 0 ? options.remainingMs?.() : undefined;
    if (left !== undefined && left < Math.max(reserveMs, 2 * longestSliceMs)) {
      report.complete = false;
      break;
    }
    const slice = sliceFrom(start, options.sliceMs ?? sizer?.lengthMs ?? 60_000, end);
    const started = performance.now();
    const before = { streams: report.streams, healed: report.healed, failed: report.failed };
    // A sized slice that turns out far fuller than its aim (a quiet hour, then a burst) is
    // given up for a shorter one from the same start, so that no slice outgrows a run.
    const limit = sizer?.canShrink ? 4 * target : Number.POSITIVE_INFINITY;
    const done = await reconcileSlice(options.changes, slice, { maxStreams, limit }, heal, report);
    metrics.count(METRIC.viewsHealed, undefined, report.healed - before.healed);
    metrics.count(METRIC.reconcileFailed, undefined, report.failed - before.failed);
    if (!done) {
      sizer?.shrink();
      continue;
    }
    await options.checkpoints.write(options.name, slice.to);
    report.reached = slice.to;
    report.slices++;
    sizer?.held(report.streams - before.streams);
    longestSliceMs = Math.max(longestSliceMs, performance.now() - started);
    start = Date.parse(slice.to) + 1;
  }

  logger.info('reconciled', {
    from,
    to,
    reached: report.reached,
    complete: report.complete,
    slices: report.slices,
    streams: report.streams,
    healed: report.healed,
    failed: report.failed,
  });
  return report;
};

/**
 * The newest version listed per stream in one slice, healed pass by pass (at most
 * `maxStreams` held at once). False, with the slice unfinished, once it lists more than
 * `limit` streams.
 */
const reconcileSlice = async (
  changes: StreamChanges,
  slice: TimeSlice,
  bounds: { maxStreams: number; limit: number },
  heal: (latest: ReadonlyMap<string, number>) => Promise<void>,
  report: ReconcileReport,
): Promise<boolean> => {
  // The newest version seen per stream: a view at or past it is current.
  const latest = new Map<string, number>();
  let listed = 0;
  for await (const page of changes.changesBetween(slice.from, slice.to)) {
    for (const { aggregateId, version } of page) {
      latest.set(aggregateId, Math.max(version, latest.get(aggregateId) ?? 0));
    }
    if (latest.size >= bounds.maxStreams) {
      listed += latest.size;
      report.streams += latest.size;
      await heal(latest);
      latest.clear();
      if (listed > bounds.limit) return false;
    }
  }
  report.streams += latest.size;
  await heal(latest);
  return true;
};

/** Catches up the views of a set of streams, `concurrency` batches of 100 at a time. */
const healer = <View extends VersionedView>(
  options: ReconcilerOptions<View>,
  report: ReconcileReport,
) => {
  const logger = options.logger ?? silentLogger;
  const catchUp = new ViewCatchUp({
    events: options.events,
    views: options.views,
    projection: options.projection,
  });
  const concurrency = Math.max(options.concurrency ?? 4, 1);
  return async (latest: ReadonlyMap<string, number>): Promise<void> => {
    // One iterator shared by the workers: each takes the next batch, none is taken twice.
    const batches = batchesOf(latest, VIEWS_PER_BATCH);
    const worker = async () => {
      for (let next = batches.next(); !next.done; next = batches.next()) {
        const outcomes = await catchUp.catchUpMany(next.value);
        for (const [aggregateId, outcome] of outcomes) {
          if (outcome.status === 'rejected') {
            report.failed++;
            if (report.failures.length < FAILURES_KEPT) {
              report.failures.push({ aggregateId, error: outcome.reason });
            }
            logger.error('view not reconciled', {
              aggregateId,
              version: latest.get(aggregateId),
              error: outcome.reason,
            });
          } else if (outcome.value.status === 'applied') {
            report.healed++;
            logger.info('view healed', { aggregateId, version: outcome.value.version });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
};

function* batchesOf(
  latest: ReadonlyMap<string, number>,
  size: number,
): Generator<Map<string, { upTo: number }>> {
  let batch = new Map<string, { upTo: number }>();
  for (const [aggregateId, upTo] of latest) {
    batch.set(aggregateId, { upTo });
    if (batch.size === size) {
      yield batch;
      batch = new Map();
    }
  }
  if (batch.size > 0) yield batch;
}
