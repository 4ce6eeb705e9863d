import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { type Clock, type Logger, silentLogger } from '../core/ports.js';
import type { VersionedView } from '../core/projection.js';
import type { Checkpoints, StreamChanges } from '../core/stream-changes.js';
import { type StreamTypes, UnregisteredStreamTypeError } from '../core/stream-types.js';
import { SliceSizer, sliceFrom, type TimeSlice } from '../core/time-slices.js';
import { catchUpsPerReadModel, type ViewCatchUp } from '../core/view-catch-up.js';

/** BatchGetItem's limit: the views of one batch are read in one call. */
const VIEWS_PER_BATCH = 100;
/** Failures kept in the report; the count goes on. */
const FAILURES_KEPT = 100;

export interface ReconcilerOptions {
  changes: StreamChanges;
  checkpoints: Checkpoints;
  /**
   * The registered stream types: each changed stream's type names its event store and the
   * read models the projector keeps from it, which are caught up here.
   */
  streams: StreamTypes;
  /** Names the checkpoint. */
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
  /** Views not caught up, and streams of a type no module is registered for. */
  failed: number;
  /** The first failures (at most 100); `projection` is absent for an unregistered type. */
  failures: ReconcileFailure[];
}

export interface ReconcileFailure {
  aggregateType: string;
  aggregateId: string;
  projection?: string;
  error: unknown;
}

/**
 * One run of the reconciler: lists the streams that changed since the last run (from the
 * change index, not a scan), and catches up any view that is behind, as the projector would
 * have on the lost notification, for every read model the stream's type feeds. Slice by
 * slice: the newest version listed per stream, its views read in batches of up to 100, the
 * event store read only for a view that is behind, then the checkpoint moved to the slice's
 * end. A stream of a type no module is registered for is a failure, counted
 * (`UnregisteredStreamType`), never skipped. Work and memory grow with a slice, not with
 * the window. The checkpoint moves on even when a stream fails: failures are counted,
 * logged and alarmed on, and the next event of that stream or a rebuild retries it.
 */
export const reconcileViews = async (options: ReconcilerOptions): Promise<ReconcileReport> => {
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
  heal: (latest: LatestVersions) => Promise<void>,
  report: ReconcileReport,
): Promise<boolean> => {
  // The newest version seen per stream, by type: a view at or past it is current.
  const latest: LatestVersions = new Map();
  let held = 0;
  let listed = 0;
  for await (const page of changes.changesBetween(slice.from, slice.to)) {
    for (const { aggregateType, aggregateId, version } of page) {
      const ofType = latest.get(aggregateType) ?? new Map<string, number>();
      const seen = ofType.get(aggregateId);
      if (seen === undefined) held++;
      ofType.set(aggregateId, Math.max(version, seen ?? 0));
      latest.set(aggregateType, ofType);
    }
    if (held >= bounds.maxStreams) {
      listed += held;
      report.streams += held;
      await heal(latest);
      latest.clear();
      held = 0;
      if (listed > bounds.limit) return false;
    }
  }
  report.streams += held;
  await heal(latest);
  return true;
};

/** The newest version listed per stream, by stream type. */
type LatestVersions = Map<string, Map<string, number>>;

/**
 * Catches up the views of a set of streams: for each type, each read model it feeds,
 * `concurrency` batches of 100 at a time across them all.
 */
const healer = (options: ReconcilerOptions, report: ReconcileReport) => {
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? noMetrics;
  const concurrency = Math.max(options.concurrency ?? 4, 1);
  const catchUpOf = catchUpsPerReadModel();
  const fail = (failure: ReconcileFailure) => {
    report.failed++;
    if (report.failures.length < FAILURES_KEPT) report.failures.push(failure);
  };

  return async (latest: LatestVersions): Promise<void> => {
    const work: Array<{
      type: string;
      projection: string;
      catchUp: ViewCatchUp<VersionedView>;
      streams: ReadonlyMap<string, number>;
    }> = [];
    for (const [typeName, streams] of latest) {
      const type = options.streams.find(typeName);
      if (!type) {
        for (const aggregateId of streams.keys()) {
          metrics.count(METRIC.unregisteredStreamType, { consumer: 'reconciler' });
          const error = new UnregisteredStreamTypeError(typeName, aggregateId);
          fail({ aggregateType: typeName, aggregateId, error });
          logger.error('view not reconciled', { aggregateType: typeName, aggregateId, error });
        }
        continue;
      }
      for (const binding of type.projections) {
        const catchUp = catchUpOf(type, binding);
        work.push({ type: typeName, projection: binding.name, catchUp, streams });
      }
    }
    function* everyBatch() {
      for (const read of work) {
        for (const batch of batchesOf(read.streams, VIEWS_PER_BATCH)) yield { read, batch };
      }
    }
    const batches = everyBatch();
    // One iterator shared by the workers: each takes the next batch, none is taken twice.
    const worker = async () => {
      for (let next = batches.next(); !next.done; next = batches.next()) {
        const { read, batch } = next.value;
        const { projection, catchUp, type } = read;
        const outcomes = await catchUp.catchUpMany(batch);
        for (const [aggregateId, outcome] of outcomes) {
          const at = { aggregateType: type, aggregateId, projection };
          if (outcome.status === 'rejected') {
            fail({ ...at, error: outcome.reason });
            logger.error('view not reconciled', {
              ...at,
              version: batch.get(aggregateId)?.upTo,
              error: outcome.reason,
            });
          } else if (outcome.value.status === 'applied') {
            report.healed++;
            logger.info('view healed', { ...at, version: outcome.value.version });
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
