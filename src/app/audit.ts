import type { EventEnvelope } from '../core/event.js';
import type { EventStore, StreamCatalog } from '../core/event-store.js';
import { applyEnvelopes, type Projection } from '../core/projection.js';
import {
  type CustomerViewRecord,
  customerViewProjection,
  isForgottenView,
} from './customer-view.js';
import {
  customerViewIndexKeys,
  SHARDED_KEY_ATTRIBUTES,
  unshardedViewKeys,
} from './customer-view-keys.js';

/** A stored view item: the public fields, plus index keys where the store keeps them. */
export type StoredViewItem = Record<string, unknown>;

/**
 * The read model as the audit sees it: raw items, so drift in the index keys (which would
 * hide a customer from a search) is found too, and a paged scan to find orphans.
 */
export interface AuditViewSource {
  get(customerId: string): Promise<StoredViewItem | undefined>;
  scan(options: { pageSize: number }): AsyncIterable<StoredViewItem[]>;
  /** True when items carry the index keys (`customer-view-keys.ts`; DynamoDB). */
  readonly storesIndexKeys: boolean;
}

export type AuditFinding =
  | 'ok'
  | 'missing'
  | 'behind'
  | 'ahead'
  | 'different'
  /** The stream cannot be folded (a malformed event or a gap): the projector is stuck on it. */
  | 'unprojectable'
  /** A view whose stream has no events. */
  | 'orphan';

export const auditFindings: readonly AuditFinding[] = [
  'ok',
  'missing',
  'behind',
  'ahead',
  'different',
  'unprojectable',
  'orphan',
];

export interface AuditExample {
  finding: Exclude<AuditFinding, 'ok'>;
  aggregateId: string;
  /** Version of the fold of the stream (for `unprojectable`: the last event that folds). */
  expectedVersion: number | undefined;
  actualVersion: number | undefined;
  /** Fields whose stored value differs from the fold's. */
  fields: string[];
  /** Why the stream does not fold (`unprojectable` only). */
  error?: string;
}

export interface AuditReport {
  /** Streams listed by the catalog. */
  streams: number;
  /** Views seen by the orphan scan (0 when the scan was skipped). */
  views: number;
  counts: Record<AuditFinding, number>;
  /** At most `examplesPerFinding` of each finding, in the order found. */
  examples: AuditExample[];
  /** Nothing but `ok`. */
  clean: boolean;
}

export interface AuditOptions {
  catalog: StreamCatalog;
  events: Pick<EventStore, 'readStream'>;
  views: AuditViewSource;
  projection?: Projection<CustomerViewRecord>;
  pageSize?: number;
  /** Streams audited at once. */
  concurrency?: number;
  examplesPerFinding?: number;
  /** Scan the views for ones without a stream (a full scan of the read model). */
  findOrphans?: boolean;
  onProgress?: (progress: { streams: number; views: number }) => void;
}

/**
 * The item a correct projector would have stored for this view. `layout` 1 is the first
 * deployment's item, with only that layout's index keys.
 */
export const expectedItem = (
  view: CustomerViewRecord,
  withIndexKeys: boolean,
  layout: 1 | 2 = 2,
): StoredViewItem => {
  // A forgotten customer's tombstone is in no index, so it has no index keys.
  if (!withIndexKeys || isForgottenView(view)) return { ...view };
  const keys = customerViewIndexKeys(view);
  return { ...view, ...(layout === 1 ? unshardedViewKeys(keys) : keys) };
};

/**
 * Items written before layout 2 carry none of its keys, and are correct as the first
 * deployment wrote them: they are compared with that item (a rebuild moves them on).
 */
const layoutOfItem = (item: StoredViewItem): 1 | 2 =>
  SHARDED_KEY_ATTRIBUTES.some((name) => name in item) ? 2 : 1;

const sameValue = (a: unknown, b: unknown): boolean =>
  a === b || JSON.stringify(a) === JSON.stringify(b);

/** Field names whose values differ; an attribute present on one side only counts too. */
export const differingFields = (expected: StoredViewItem, actual: StoredViewItem): string[] => {
  const names = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...names].filter((name) => !sameValue(expected[name], actual[name])).sort();
};

const versionOfItem = (item: StoredViewItem | undefined): number | undefined =>
  typeof item?.version === 'number' ? item.version : undefined;

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** One stored view beside the fold of its stream. */
export interface StreamComparison {
  finding: AuditFinding;
  /** The view a correct projector would hold; undefined when the stream is empty or does not fold. */
  expected: CustomerViewRecord | undefined;
  /** Version of the fold (for `unprojectable`: the last event that folds). */
  expectedVersion: number | undefined;
  actualVersion: number | undefined;
  /** Fields whose stored value differs from the fold's. */
  fields: string[];
  /** Why the stream does not fold (`unprojectable` only). */
  error?: string;
}

/**
 * The one comparison of a view with its stream, for the audit of every view, the audit of
 * one customer and the repair: the stream folded as the projector folds it, the stored item
 * against the item a correct projector would have written (index keys included where the
 * store keeps them).
 */
export const compareWithStream = (
  events: readonly EventEnvelope[],
  actual: StoredViewItem | undefined,
  options: { withIndexKeys: boolean; projection?: Projection<CustomerViewRecord> },
): StreamComparison => {
  const projection = options.projection ?? customerViewProjection;
  const actualVersion = versionOfItem(actual);
  let expected: CustomerViewRecord | undefined;
  try {
    expected = applyEnvelopes(projection, undefined, events);
  } catch (error) {
    // Fold as far as it goes, so the finding says where the stream breaks.
    let folded: CustomerViewRecord | undefined;
    for (const event of events) {
      try {
        folded = applyEnvelopes(projection, folded, [event]);
      } catch {
        break;
      }
    }
    return {
      finding: 'unprojectable',
      expected: undefined,
      expectedVersion: folded?.version ?? 0,
      actualVersion,
      fields: [],
      error: messageOf(error),
    };
  }
  const base = { expected, expectedVersion: expected?.version, actualVersion };
  if (!expected) return { ...base, finding: actual ? 'orphan' : 'ok', fields: [] };
  if (!actual) return { ...base, finding: 'missing', fields: [] };
  const fields = differingFields(
    expectedItem(expected, options.withIndexKeys, layoutOfItem(actual)),
    actual,
  );
  if (actualVersion === undefined || actualVersion < expected.version) {
    return { ...base, finding: 'behind', fields };
  }
  if (actualVersion > expected.version) return { ...base, finding: 'ahead', fields };
  return { ...base, finding: fields.length > 0 ? 'different' : 'ok', fields };
};

/**
 * Compares every stream with its view. Streams come page by page from the catalog, views
 * are read one by one and then scanned page by page for orphans, so memory stays bounded
 * by a page, a stream and the examples, whatever the size of the tables.
 *
 * On a live system a view may trail its stream for a moment: `behind` and `missing` are
 * only alarming when they persist across two runs (or after the pipeline has drained).
 */
export const auditViews = async (options: AuditOptions): Promise<AuditReport> => {
  const projection = options.projection ?? customerViewProjection;
  const pageSize = Math.max(options.pageSize ?? 100, 1);
  const concurrency = Math.max(options.concurrency ?? 8, 1);
  const perFinding = Math.max(options.examplesPerFinding ?? 10, 0);
  const withIndexKeys = options.views.storesIndexKeys;
  const counts = Object.fromEntries(auditFindings.map((f) => [f, 0])) as Record<
    AuditFinding,
    number
  >;
  const examples: AuditExample[] = [];
  let streams = 0;
  let views = 0;

  const record = (example: AuditExample | 'ok') => {
    if (example === 'ok') {
      counts.ok++;
      return;
    }
    counts[example.finding]++;
    if (counts[example.finding] <= perFinding) examples.push(example);
  };

  const auditStream = async (aggregateId: string): Promise<AuditExample | 'ok'> => {
    const events = await options.events.readStream(aggregateId);
    const actual = await options.views.get(aggregateId);
    // Listed, then emptied before the read: nothing to compare (the orphan scan sees the view).
    if (events.length === 0) return 'ok';
    const { finding, expectedVersion, actualVersion, fields, error } = compareWithStream(
      events,
      actual,
      { withIndexKeys, projection },
    );
    if (finding === 'ok') return 'ok';
    return {
      finding,
      aggregateId,
      expectedVersion,
      actualVersion,
      fields,
      ...(error === undefined ? {} : { error }),
    };
  };

  for await (const page of options.catalog.listAggregateIds({ pageSize })) {
    const queue = [...page];
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        record(await auditStream(id));
        streams++;
      }
    });
    await Promise.all(workers);
    options.onProgress?.({ streams, views });
  }

  if (options.findOrphans ?? true) {
    for await (const page of options.views.scan({ pageSize })) {
      const queue = [...page];
      const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
          views++;
          const id =
            typeof item.customerId === 'string' ? item.customerId : String(item.customerId);
          // One event is enough to know the stream exists; no id set held in memory.
          const first = await options.events.readStream(id, { fromVersion: 1, toVersion: 1 });
          if (first.length === 0) {
            record({
              finding: 'orphan',
              aggregateId: id,
              expectedVersion: undefined,
              actualVersion: versionOfItem(item),
              fields: [],
            });
          }
        }
      });
      await Promise.all(workers);
      options.onProgress?.({ streams, views });
    }
  }

  const clean = auditFindings.every((f) => f === 'ok' || counts[f] === 0);
  return { streams, views, counts, examples, clean };
};
