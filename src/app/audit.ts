import type { EventEnvelope } from '../core/event.js';
import type { StreamCatalog } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { applyEnvelopes, type Projection, type VersionedView } from '../core/projection.js';
import {
  type AuditViewSource,
  type ProjectionBinding,
  type StoredViewItem,
  type StreamTypeBinding,
  type StreamTypes,
  UnregisteredStreamTypeError,
} from '../core/stream-types.js';

export type { AuditViewSource, StoredViewItem };

export type AuditFinding =
  | 'ok'
  | 'missing'
  | 'behind'
  | 'ahead'
  | 'different'
  /** The stream cannot be folded (a malformed event or a gap): the projector is stuck on it. */
  | 'unprojectable'
  /** A view whose stream has no events. */
  | 'orphan'
  /** A stream of a type no module is registered for: no read model folds it. */
  | 'unregistered';

export const auditFindings: readonly AuditFinding[] = [
  'ok',
  'missing',
  'behind',
  'ahead',
  'different',
  'unprojectable',
  'orphan',
  'unregistered',
];

export interface AuditExample {
  finding: Exclude<AuditFinding, 'ok'>;
  aggregateType: string;
  aggregateId: string;
  /** The read model compared; absent for an `unregistered` stream. */
  projection?: string;
  /** Version of the fold of the stream (for `unprojectable`: the last event that folds). */
  expectedVersion: number | undefined;
  actualVersion: number | undefined;
  /** Fields whose stored value differs from the fold's. */
  fields: string[];
  /** Why the stream does not fold (`unprojectable`), or why it was not compared. */
  error?: string;
}

/** One read model's share of an audit. */
export interface ReadModelAudit {
  name: string;
  aggregateType: string;
  /** Views seen by its orphan scan. */
  views: number;
  /** False when its views could not be scanned (no audit source), or the scan was skipped. */
  orphansScanned: boolean;
  counts: Record<AuditFinding, number>;
}

export interface AuditReport {
  /** Streams listed by the catalog, of every type. */
  streams: number;
  /** Views seen by the orphan scans (0 when they were skipped). */
  views: number;
  /** Over every read model; `unregistered` counts streams. */
  counts: Record<AuditFinding, number>;
  /** Each registered read model, in registration order. */
  readModels: ReadModelAudit[];
  /** At most `examplesPerFinding` of each finding, in the order found. */
  examples: AuditExample[];
  /** Nothing but `ok`. */
  clean: boolean;
}

export interface AuditOptions {
  catalog: Pick<StreamCatalog, 'listStreams'>;
  /** Every registered stream type: each stream is compared with every read model its type feeds. */
  streams: StreamTypes;
  pageSize?: number;
  /** Streams audited at once. */
  concurrency?: number;
  examplesPerFinding?: number;
  /** Scan the views for ones without a stream (a full scan of each read model). */
  findOrphans?: boolean;
  onProgress?: (progress: { streams: number; views: number }) => void;
  /** `UnregisteredStreamType` for each stream no module is registered for. */
  metrics?: Metrics;
}

const sameValue = (a: unknown, b: unknown): boolean =>
  a === b || JSON.stringify(a) === JSON.stringify(b);

/** Field names whose values differ; an attribute present on one side only counts too. */
export const differingFields = (expected: StoredViewItem, actual: StoredViewItem): string[] => {
  const names = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...names].filter((name) => !sameValue(expected[name], actual[name])).sort();
};

/** A view's own fields, as an item holding nothing else. */
const fieldsOf = (view: VersionedView): StoredViewItem => ({ ...view });

const versionOfItem = (item: StoredViewItem | undefined): number | undefined =>
  typeof item?.version === 'number' ? item.version : undefined;

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const noFindings = (): Record<AuditFinding, number> =>
  Object.fromEntries(auditFindings.map((f) => [f, 0])) as Record<AuditFinding, number>;

/** One stored view beside the fold of its stream. */
export interface StreamComparison<View extends VersionedView = VersionedView> {
  finding: AuditFinding;
  /** The view a correct projector would hold; undefined when the stream is empty or does not fold. */
  expected: View | undefined;
  /** Version of the fold (for `unprojectable`: the last event that folds). */
  expectedVersion: number | undefined;
  actualVersion: number | undefined;
  /** Fields whose stored value differs from the fold's. */
  fields: string[];
  /** Why the stream does not fold (`unprojectable` only). */
  error?: string;
}

/** How a read model's stored items are compared: its projection and item shape. */
export type ReadModelShape<View extends VersionedView> = Pick<
  ProjectionBinding<View>,
  'projection' | 'storedItem'
>;

/**
 * The one comparison of a view with its stream, for the audit of every view, the audit of
 * one view and the repair: the stream folded as the projector folds it, the stored item
 * against the item a correct projector would have written (`storedItem`: index keys
 * included where the store keeps them).
 */
export const compareWithStream = <View extends VersionedView>(
  events: readonly EventEnvelope[],
  actual: StoredViewItem | undefined,
  shape: ReadModelShape<View>,
): StreamComparison<View> => {
  const { projection } = shape;
  const actualVersion = versionOfItem(actual);
  let expected: View | undefined;
  try {
    expected = applyEnvelopes(projection, undefined, events);
  } catch (error) {
    return {
      finding: 'unprojectable',
      expected: undefined,
      expectedVersion: foldedVersion(projection, events),
      actualVersion,
      fields: [],
      error: messageOf(error),
    };
  }
  const base = { expected, expectedVersion: expected?.version, actualVersion };
  if (!expected) return { ...base, finding: actual ? 'orphan' : 'ok', fields: [] };
  if (!actual) return { ...base, finding: 'missing', fields: [] };
  const item = shape.storedItem ? shape.storedItem(expected, actual) : fieldsOf(expected);
  const fields = differingFields(item, actual);
  if (actualVersion === undefined || actualVersion < expected.version) {
    return { ...base, finding: 'behind', fields };
  }
  if (actualVersion > expected.version) return { ...base, finding: 'ahead', fields };
  return { ...base, finding: fields.length > 0 ? 'different' : 'ok', fields };
};

/** How far a stream that does not fold folds, so a finding says where it breaks. */
const foldedVersion = <View extends VersionedView>(
  projection: Projection<View>,
  events: readonly EventEnvelope[],
): number => {
  let folded: View | undefined;
  for (const event of events) {
    try {
      folded = applyEnvelopes(projection, folded, [event]);
    } catch {
      break;
    }
  }
  return folded?.version ?? 0;
};

/** A read model's items as the audit reads them: its audit source, else its view store. */
const itemsOf = (binding: ProjectionBinding): Pick<AuditViewSource, 'get'> =>
  binding.audit ?? {
    get: async (id) => {
      const view = await binding.views.get(id);
      return view && fieldsOf(view);
    },
  };

/** Runs `work` on every item, `concurrency` at a time. */
const eachOf = async <T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
) => {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await work(next);
    }),
  );
};

/**
 * Compares every stream with every read model its type feeds. Streams come page by page
 * from the catalog, views are read one by one and then each read model is scanned page by
 * page for orphans, so memory stays bounded by a page, a stream and the examples, whatever
 * the size of the tables. A stream of a type no module is registered for is a finding
 * (`unregistered`), counted, never skipped.
 *
 * On a live system a view may trail its stream for a moment: `behind` and `missing` are
 * only alarming when they persist across two runs (or after the pipeline has drained).
 */
export const auditViews = async (options: AuditOptions): Promise<AuditReport> => {
  const pageSize = Math.max(options.pageSize ?? 100, 1);
  const concurrency = Math.max(options.concurrency ?? 8, 1);
  const perFinding = Math.max(options.examplesPerFinding ?? 10, 0);
  const metrics = options.metrics ?? noMetrics;
  const counts = noFindings();
  const readModels = new Map<string, ReadModelAudit>(
    options.streams.projections.map(({ type, projection }) => [
      projection.name,
      {
        name: projection.name,
        aggregateType: type.type,
        views: 0,
        orphansScanned: false,
        counts: noFindings(),
      },
    ]),
  );
  const examples: AuditExample[] = [];
  let streams = 0;
  let views = 0;

  const record = (
    finding: AuditFinding,
    projection: string | undefined,
    example?: AuditExample,
  ) => {
    counts[finding]++;
    const readModel = projection === undefined ? undefined : readModels.get(projection);
    if (readModel) readModel.counts[finding]++;
    if (example && counts[finding] <= perFinding) examples.push(example);
  };

  const auditReadModel = async (
    type: StreamTypeBinding,
    binding: ProjectionBinding,
    aggregateId: string,
    events: readonly EventEnvelope[],
  ) => {
    const actual = await itemsOf(binding).get(aggregateId);
    const { finding, expectedVersion, actualVersion, fields, error } = compareWithStream(
      events,
      actual,
      binding,
    );
    if (finding === 'ok') {
      record('ok', binding.name);
      return;
    }
    record(finding, binding.name, {
      finding,
      aggregateType: type.type,
      aggregateId,
      projection: binding.name,
      expectedVersion,
      actualVersion,
      fields,
      ...(error === undefined ? {} : { error }),
    });
  };

  const auditStream = async ({
    aggregateType,
    aggregateId,
  }: {
    aggregateType: string;
    aggregateId: string;
  }) => {
    const type = options.streams.find(aggregateType);
    if (!type) {
      metrics.count(METRIC.unregisteredStreamType, { consumer: 'audit' });
      record('unregistered', undefined, {
        finding: 'unregistered',
        aggregateType,
        aggregateId,
        expectedVersion: undefined,
        actualVersion: undefined,
        fields: [],
        error: new UnregisteredStreamTypeError(aggregateType, aggregateId).message,
      });
      return;
    }
    if (type.projections.length === 0) return;
    const events = await type.events.readStream(aggregateId);
    // Listed, then emptied before the read: nothing to compare (the orphan scan sees the view).
    if (events.length === 0) return;
    await Promise.all(
      type.projections.map((binding) => auditReadModel(type, binding, aggregateId, events)),
    );
  };

  for await (const page of options.catalog.listStreams({ pageSize })) {
    await eachOf(page, concurrency, async (stream) => {
      await auditStream(stream);
      streams++;
    });
    options.onProgress?.({ streams, views });
  }

  if (options.findOrphans ?? true) {
    for (const { type, projection } of options.streams.projections) {
      const source = projection.audit;
      const idOf = source?.idOf?.bind(source);
      const readModel = readModels.get(projection.name);
      if (!source || !idOf || !readModel) continue;
      readModel.orphansScanned = true;
      for await (const page of source.scan({ pageSize })) {
        await eachOf(page, concurrency, async (item) => {
          views++;
          readModel.views++;
          const aggregateId = idOf(item);
          // One event is enough to know the stream exists; no id set held in memory.
          const first = await type.events.readStream(aggregateId, {
            fromVersion: 1,
            toVersion: 1,
          });
          if (first.length > 0) return;
          record('orphan', projection.name, {
            finding: 'orphan',
            aggregateType: type.type,
            aggregateId,
            projection: projection.name,
            expectedVersion: undefined,
            actualVersion: versionOfItem(item),
            fields: [],
          });
        });
        options.onProgress?.({ streams, views });
      }
    }
  }

  const clean = auditFindings.every((f) => f === 'ok' || counts[f] === 0);
  return { streams, views, counts, readModels: [...readModels.values()], examples, clean };
};
