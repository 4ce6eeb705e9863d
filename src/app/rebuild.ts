import type { EventStore, StreamCatalog } from '../core/event-store.js';
import { type Logger, silentLogger } from '../core/ports.js';
import { ViewCatchUp } from '../core/view-catch-up.js';
import type { ViewStore } from '../core/view-store.js';
import { type CustomerViewRecord, customerViewProjection } from './customer-view.js';

export interface RebuildProgress {
  /** Streams listed by the catalog so far (grows page by page). */
  discovered: number;
  /** Streams handled, whatever the outcome. */
  processed: number;
  /** Streams whose view moved forward. */
  updated: number;
  failed: number;
}

export interface RebuildReport extends RebuildProgress {
  failures: Array<{ aggregateId: string; error: unknown }>;
}

export interface RebuildOptions {
  catalog: StreamCatalog;
  events: Pick<EventStore, 'readStream'>;
  views: ViewStore<CustomerViewRecord>;
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
    failed: 0,
    failures: [],
  };
  const progress = () =>
    options.onProgress?.({
      discovered: report.discovered,
      processed: report.processed,
      updated: report.updated,
      failed: report.failed,
    });

  const replay = async (aggregateId: string) => {
    try {
      const outcome = await catchUp.catchUp(aggregateId);
      if (outcome.status === 'applied') report.updated++;
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
