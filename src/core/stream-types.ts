import { ServiceError } from './errors.js';
import type { EventEnvelope } from './event.js';
import type { EventStore } from './event-store.js';
import type { Projection, VersionedView } from './projection.js';
import type { RepairableViewStore, ViewStore } from './view-store.js';

/** An event of a stream type that no module is registered for: refused, counted, never skipped. */
export class UnregisteredStreamTypeError extends ServiceError {
  readonly kind = 'unavailable';
  readonly code = 'STREAM_TYPE_UNREGISTERED';
  constructor(
    readonly aggregateType: string,
    readonly aggregateId?: string,
  ) {
    super(
      `No aggregate module is registered for stream type ${JSON.stringify(aggregateType)}${
        aggregateId === undefined ? '' : ` (stream ${aggregateId})`
      }`,
    );
  }
}

export const isUnregisteredStreamTypeError = (
  error: unknown,
): error is UnregisteredStreamTypeError => error instanceof UnregisteredStreamTypeError;

/** A stored view item: the view's fields, plus whatever its store keeps beside them. */
export type StoredViewItem = Record<string, unknown>;

/**
 * A read model's items as the audit reads them: whole items, so drift in attributes the
 * store keeps beside the view (index keys) is found too, and a paged scan to find orphans.
 */
export interface AuditViewSource {
  get(aggregateId: string): Promise<StoredViewItem | undefined>;
  scan(options: { pageSize: number }): AsyncIterable<StoredViewItem[]>;
  /** The stream a scanned item is the view of: without it, orphans are not looked for. */
  idOf?(item: StoredViewItem): string;
  /** True when items carry index keys beside the view's fields. */
  readonly storesIndexKeys?: boolean;
}

/** One read model fed by the streams of one type: what the projector, reconciler and rebuild fold. */
export interface ProjectionBinding<View extends VersionedView = VersionedView> {
  /** Unique across the service (`customer-views`): names reports, logs and checkpoints. */
  readonly name: string;
  readonly projection: Projection<View>;
  /** A `RepairableViewStore` can also be put back to the fold (`rebuild --repair`, repair). */
  readonly views: ViewStore<View>;
  /** Its items as stored, for the audit; without it the audit compares `views.get` and finds no orphans. */
  readonly audit?: AuditViewSource;
  /**
   * The item a correct projector stores for `view`, beside the item found (index keys, or an
   * older item layout that is still correct). Without it: the view's fields alone.
   */
  storedItem?(view: View, found: StoredViewItem | undefined): StoredViewItem;
  /** The id of the declared view table it lives in (`ViewTableDeclaration.id`). */
  readonly viewTable?: string;
  /** The same read model written into another table (a blue/green rebuild). */
  readonly into?: (tableName: string) => ProjectionBinding<View>;
}

/** A store that can put a view back to the fold at any version (a repair). */
export const isRepairable = <View extends VersionedView>(
  views: ViewStore<View>,
): views is RepairableViewStore<View> =>
  typeof (views as Partial<RepairableViewStore<View>>).replace === 'function' &&
  typeof (views as Partial<RepairableViewStore<View>>).getStored === 'function';

/** What consumers know of one registered stream type. */
export interface StreamTypeBinding {
  /** `Customer`: the `aggregateType` of its envelopes. */
  readonly type: string;
  /** Its events as the code reads them (decrypted, not upcast). */
  readonly events: Pick<EventStore, 'readStream'>;
  /**
   * Its events as stored (personal data still encrypted): what a replay republishes, as the
   * publisher sent them. The same store as `events` for a type whose events are not encoded;
   * required, so that no replay ever publishes decrypted personal data by omission.
   */
  readonly stored: Pick<EventStore, 'readStream'>;
  /** Lifts a stored envelope to its type's latest shape (the publisher, history). */
  readonly upcast: (envelope: EventEnvelope) => EventEnvelope;
  /** The read models its streams feed; none is allowed (a type without views). */
  readonly projections: readonly ProjectionBinding[];
}

/**
 * Every registered stream type, from the composition root's list of modules: what every
 * consumer routes by. A type it does not hold is an `UnregisteredStreamTypeError`.
 */
export class StreamTypes {
  private readonly byType: ReadonlyMap<string, StreamTypeBinding>;

  constructor(bindings: readonly StreamTypeBinding[]) {
    const byType = new Map<string, StreamTypeBinding>();
    const names = new Set<string>();
    for (const binding of bindings) {
      if (byType.has(binding.type))
        throw new TypeError(`stream type ${binding.type} registered twice`);
      byType.set(binding.type, binding);
      for (const { name } of binding.projections) {
        if (names.has(name)) throw new TypeError(`projection ${name} registered twice`);
        names.add(name);
      }
    }
    this.byType = byType;
  }

  /** The registered types, in registration order. */
  get types(): readonly string[] {
    return [...this.byType.keys()];
  }

  get all(): readonly StreamTypeBinding[] {
    return [...this.byType.values()];
  }

  find(type: string): StreamTypeBinding | undefined {
    return this.byType.get(type);
  }

  /** The envelope in its type's latest shape; `UnregisteredStreamTypeError` for an unknown type. */
  upcast(envelope: EventEnvelope): EventEnvelope {
    return this.get(envelope.aggregateType, envelope.aggregateId).upcast(envelope);
  }

  /** Every read model of every type, with the type whose streams feed it. */
  get projections(): ReadonlyArray<{ type: StreamTypeBinding; projection: ProjectionBinding }> {
    return this.all.flatMap((type) => type.projections.map((projection) => ({ type, projection })));
  }

  /**
   * These types with one read model only, written into `tableName` (its `into`): what a
   * blue/green rebuild of that read model folds. The other types stay registered, feeding
   * nothing, so their streams are passed over and an unregistered one is still refused.
   */
  into(projectionName: string, tableName: string): StreamTypes {
    const found = this.projections.find(({ projection }) => projection.name === projectionName);
    if (!found) throw new TypeError(`no read model is registered as ${projectionName}`);
    if (!found.projection.into) {
      throw new TypeError(`the read model ${projectionName} cannot be rebuilt into another table`);
    }
    const moved = found.projection.into(tableName);
    return new StreamTypes(
      this.all.map((type) => ({
        ...type,
        projections: type === found.type ? [moved] : [],
      })),
    );
  }

  /** The binding of `type`; `UnregisteredStreamTypeError` when none is registered. */
  get(type: string, aggregateId?: string): StreamTypeBinding {
    const binding = this.byType.get(type);
    if (!binding) throw new UnregisteredStreamTypeError(type, aggregateId);
    return binding;
  }
}
