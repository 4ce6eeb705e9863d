import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import type { StreamRef } from '../core/event.js';
import type { StreamCatalog } from '../core/event-store.js';

/** How far a blue/green rebuild got: the scan cursor after the last page it finished. */
const RebuildCheckpoint = z.object({
  table: z.string(),
  cursor: z.string().optional(),
  processed: z.number().int().min(0),
  updated: z.number().int().min(0),
  failed: z.number().int().min(0),
  startedAt: z.string(),
});
export type RebuildCheckpoint = z.infer<typeof RebuildCheckpoint>;

/** `<dir>/rebuild-<table>.json`, written whole and renamed, so a kill never leaves half of it. */
export class RebuildCheckpointFile {
  readonly path: string;

  constructor(dir: string, table: string) {
    this.path = join(dir, `rebuild-${table}.json`);
  }

  read(): RebuildCheckpoint | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
    const parsed = RebuildCheckpoint.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.path} is not a rebuild checkpoint; delete it`);
    return parsed.data;
  }

  write(checkpoint: RebuildCheckpoint): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const partial = `${this.path}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify(checkpoint, null, 2)}\n`);
    renameSync(partial, this.path);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

/** Pages of stream ids with the scan cursor after each (`DynamoDBEventStore`). */
export interface PagedStreamCatalog {
  listStreamPages(options?: {
    after?: string;
    limit?: number;
  }): AsyncIterable<{ streams: StreamRef[]; cursor: string | undefined }>;
}

/**
 * A catalog that starts after `after` and reports each page's cursor once the page has been
 * handled: the rebuild asks for the next page only after it replayed every stream of this one.
 */
export const resumableCatalog = (
  pages: PagedStreamCatalog,
  after: string | undefined,
  onPageDone: (cursor: string | undefined) => void,
  limit?: number,
): Pick<StreamCatalog, 'listStreams'> => ({
  async *listStreams() {
    for await (const { streams, cursor } of pages.listStreamPages({
      ...(after === undefined ? {} : { after }),
      ...(limit === undefined ? {} : { limit }),
    })) {
      if (streams.length > 0) yield streams;
      onPageDone(cursor);
    }
  },
});
