import { ServiceError } from './errors.js';
import type { EventEnvelope } from './event.js';
import type { EventStore } from './event-store.js';
import type { Projection, VersionedView } from './projection.js';
import type { ViewStore } from './view-store.js';

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

/** One read model fed by the streams of one type: what the projector, reconciler and rebuild fold. */
export interface ProjectionBinding<View extends VersionedView = VersionedView> {
  /** Unique across the service (`customer-views`): names reports, logs and checkpoints. */
  readonly name: string;
  readonly projection: Projection<View>;
  readonly views: ViewStore<View>;
}

/** What consumers know of one registered stream type. */
export interface StreamTypeBinding {
  /** `Customer`: the `aggregateType` of its envelopes. */
  readonly type: string;
  /** Its events as the code reads them (decrypted, not upcast). */
  readonly events: Pick<EventStore, 'readStream'>;
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

  /** The binding of `type`; `UnregisteredStreamTypeError` when none is registered. */
  get(type: string, aggregateId?: string): StreamTypeBinding {
    const binding = this.byType.get(type);
    if (!binding) throw new UnregisteredStreamTypeError(type, aggregateId);
    return binding;
  }
}
