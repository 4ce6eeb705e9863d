import type { EventStore, StreamCatalog } from '../core/event-store.js';
import { type Logger, silentLogger } from '../core/ports.js';
import { ViewCatchUp } from '../core/view-catch-up.js';
import type { RepairableViewStore } from '../core/view-store.js';
import { type CustomerViewRecord, customerViewProjection } from './customer-view.js';
import { repairView, type ViewRepair } from './view-repair.js';

export interface RebuildProgress {
  /** Streams listed by the catalog so far (grows page by page). */
  discovered: number;
  /** Streams handled, whatever the outcome. */
  processed: number;
  /** Streams whose view moved forward. */
  updated: number;
  /** With `repair`: views put back at or below their version (they were `different` or `ahead`). */
  repaired: number;
  failed: number;
}

/** The repairs kept in a report; the counts cover every one. */
const REPAIRS_KEPT = 100;

export interface RebuildReport extends RebuildProgress {
  failures: Array<{ aggregateId: string; error: unknown }>;
  /** With `repair`: the first views put back, with what was found. */
  repairs: Array<
    Pick<ViewRepair, 'finding' | 'fields' | 'expectedVersion' | 'actualVersion'> & {
      aggregateId: string;
    }
  >;
}

export interface RebuildOptions {
  catalog: StreamCatalog;
  events: Pick<EventStore, 'readStream'>;
  views: RepairableViewStore<CustomerViewRecord>;
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
}

/**
 * Replays every stream into the Customer read model. Safe while the projector runs: it
 * uses the same conditional writes, so a view only ever moves forward to the fold of its
 * stream, and running it twice changes nothing. Into an empty table, it builds the read
 * model from scratch. A stream that fails is reported, and the others go on.
 *
 * With `repair`, each view is compared with the fold of its stream as the audit compares
 * it, and any that differs is rewritten, even at the same or a higher version: what a
 * writer other than the projector left behind. Each rewrite is conditional on the item
 * read, so a projector's move wins and the repair of that view starts over.
 */
export const rebuildViews = async (options: RebuildOptions): Promise<RebuildReport> => {
  const logger = options.logger ?? silentLogger;
  const concurrency = Math.max(options.concurrency ?? 8, 1);
  const catchUp = new ViewCatchUp({
    events: options.events,
    views: options.views,
    projection: customerViewProjection,
  });
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

  const repair = async (aggregateId: string) => {
    const outcome = await repairView(aggregateId, options);
    if (outcome.finding === 'unprojectable') throw new Error(outcome.error);
    if (!outcome.rewritten) return;
    if (outcome.finding === 'missing' || outcome.finding === 'behind') {
      report.updated++;
      return;
    }
    report.repaired++;
    const { finding, fields, expectedVersion, actualVersion } = outcome;
    logger.warn('view repaired', { aggregateId, finding, fields, expectedVersion, actualVersion });
    if (report.repairs.length < REPAIRS_KEPT) {
      report.repairs.push({ aggregateId, finding, fields, expectedVersion, actualVersion });
    }
  };

  const replay = async (aggregateId: string) => {
    try {
      if (options.repair) await repair(aggregateId);
      else if ((await catchUp.catchUp(aggregateId)).status === 'applied') report.updated++;
    } catch (error) {
      report.failed++;
      report.failures.push({ aggregateId, error });
      logger.error('stream not rebuilt', { aggregateId, error });
    }
    report.processed++;
    progress();
  };

  for await (const page of options.catalog.listAggregateIds(
    options.pageSize === undefined ? {} : { pageSize: options.pageSize },
  )) {
    report.discovered += page.length;
    progress();
    const queue = [...page];
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await replay(id);
    });
    await Promise.all(workers);
  }
  return report;
};
