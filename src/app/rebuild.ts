import type { StreamRef } from '../core/event.js';
import type { StreamCatalog } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { type Logger, silentLogger } from '../core/ports.js';
import {
  isRepairable,
  type ProjectionBinding,
  type StreamTypeBinding,
  type StreamTypes,
  UnregisteredStreamTypeError,
} from '../core/stream-types.js';
import { catchUpsPerReadModel } from '../core/view-catch-up.js';
import { repairView, type ViewRepair } from './view-repair.js';

export interface RebuildProgress {
  /** Streams listed by the catalog so far (grows page by page). */
  discovered: number;
  /** Streams handled, whatever the outcome. */
  processed: number;
  /** Views that moved forward. */
  updated: number;
  /** With `repair`: views put back at or below their version (they were `different` or `ahead`). */
  repaired: number;
  /** Views not rebuilt, and streams of a type no module is registered for. */
  failed: number;
}

/** The repairs and failures kept in a report; the counts cover every one. */
const KEPT = 100;

export interface RebuildFailure {
  aggregateType: string;
  aggregateId: string;
  /** The read model that failed; absent for a stream of an unregistered type. */
  projection?: string;
  error: unknown;
}

export interface RebuildReport extends RebuildProgress {
  failures: RebuildFailure[];
  /** With `repair`: the first views put back, with what was found. */
  repairs: Array<
    Pick<ViewRepair, 'finding' | 'fields' | 'expectedVersion' | 'actualVersion'> & {
      aggregateType: string;
      aggregateId: string;
      projection: string;
    }
  >;
}

export interface RebuildOptions {
  catalog: Pick<StreamCatalog, 'listStreams'>;
  /** Every registered stream type: each stream is replayed into every read model its type feeds. */
  streams: StreamTypes;
  /**
   * Also rewrite views whose content differs from the fold of their stream, at the same or
   * a higher version (each conditional on the item read). Without it, views only move forward.
   */
  repair?: boolean;
  /** Streams replayed at once. */
  concurrency?: number;
  pageSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  logger?: Logger;
  /** `UnregisteredStreamType` for each stream no module is registered for. */
  metrics?: Metrics;
}

/**
 * Replays every stream into the read models of its type. Safe while the projector runs: it
 * uses the same conditional writes, so a view only ever moves forward to the fold of its
 * stream, and running it twice changes nothing. Into an empty table, it builds a read model
 * from scratch. A stream that fails is reported, and the others go on; a stream of a type
 * no module is registered for is a failure, counted (`UnregisteredStreamType`), never skipped.
 *
 * With `repair`, each view is compared with the fold of its stream as the audit compares
 * it, and any that differs is rewritten, even at the same or a higher version: what a
 * writer other than the projector left behind. Each rewrite is conditional on the item
 * read, so a projector's move wins and the repair of that view starts over.
 */
export const rebuildViews = async (options: RebuildOptions): Promise<RebuildReport> => {
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? noMetrics;
  const concurrency = Math.max(options.concurrency ?? 8, 1);
  const catchUpOf = catchUpsPerReadModel();
  const report: RebuildReport = {
    discovered: 0,
    processed: 0,
    updated: 0,
    repaired: 0,
    failed: 0,
    failures: [],
    repairs: [],
  };
  const progress = () =>
    options.onProgress?.({
      discovered: report.discovered,
      processed: report.processed,
      updated: report.updated,
      repaired: report.repaired,
      failed: report.failed,
    });
  const fail = (failure: RebuildFailure) => {
    report.failed++;
    if (report.failures.length < KEPT) report.failures.push(failure);
    const { error, ...at } = failure;
    logger.error('stream not rebuilt', { ...at, error });
  };

  const repair = async (
    type: StreamTypeBinding,
    binding: ProjectionBinding,
    aggregateId: string,
  ) => {
    const { views } = binding;
    if (!isRepairable(views)) {
      throw new TypeError(`the read model ${binding.name} cannot be put back to the fold`);
    }
    const outcome = await repairView(aggregateId, { ...binding, views, events: type.events });
    if (outcome.finding === 'unprojectable') throw new Error(outcome.error);
    if (!outcome.rewritten) return;
    if (outcome.finding === 'missing' || outcome.finding === 'behind') {
      report.updated++;
      return;
    }
    report.repaired++;
    const { finding, fields, expectedVersion, actualVersion } = outcome;
    const at = { aggregateType: type.type, aggregateId, projection: binding.name };
    logger.warn('view repaired', { ...at, finding, fields, expectedVersion, actualVersion });
    if (report.repairs.length < KEPT) {
      report.repairs.push({ ...at, finding, fields, expectedVersion, actualVersion });
    }
  };

  const catchUp = async (
    type: StreamTypeBinding,
    binding: ProjectionBinding,
    aggregateId: string,
  ) => {
    const views = catchUpOf(type, binding);
    if ((await views.catchUp(aggregateId)).status === 'applied') report.updated++;
  };

  const replayStream = async ({ aggregateType, aggregateId }: StreamRef) => {
    const type = options.streams.find(aggregateType);
    if (!type) {
      metrics.count(METRIC.unregisteredStreamType, { consumer: 'rebuild' });
      const error = new UnregisteredStreamTypeError(aggregateType, aggregateId);
      fail({ aggregateType, aggregateId, error });
      return;
    }
    for (const binding of type.projections) {
      try {
        if (options.repair) await repair(type, binding, aggregateId);
        else await catchUp(type, binding, aggregateId);
      } catch (error) {
        fail({ aggregateType, aggregateId, projection: binding.name, error });
      }
    }
  };

  const replay = async (stream: StreamRef) => {
    await replayStream(stream);
    report.processed++;
    progress();
  };

  for await (const page of options.catalog.listStreams(
    options.pageSize === undefined ? {} : { pageSize: options.pageSize },
  )) {
    report.discovered += page.length;
    progress();
    const queue = [...page];
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) await replay(ref);
    });
    await Promise.all(workers);
  }
  return report;
};
