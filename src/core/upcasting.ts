import { ServiceError } from './errors.js';
import type { DomainEvent, EnvelopeOf, EventEnvelope } from './event.js';

/**
 * The versions of one event type: version 1 and the pure steps that lift each version's
 * data to the next. Stored events keep the version they were written with; readers lift
 * them to `latest` and never see an older shape.
 */
export interface EventVersionChain<Latest> {
  /** The version new events of this type are written with (1 for a type that never changed). */
  readonly latest: number;
  /** Data stored at `version` (from 1 to `latest`), lifted to the latest shape. */
  lift(data: unknown, version: number): Latest;
  /** This chain with one more version, whose data `step` derives from today's latest. */
  next<Next>(step: (data: Latest) => Next): EventVersionChain<Next>;
}

type Step = (data: unknown) => unknown;

const chainOf = <Latest>(steps: readonly Step[]): EventVersionChain<Latest> => {
  const latest = steps.length + 1;
  return {
    latest,
    lift(data, version) {
      let lifted = data;
      // steps[i] lifts version i + 1; a latest-version event runs none.
      for (let i = version - 1; i < steps.length; i++) lifted = (steps[i] as Step)(lifted);
      return lifted as Latest;
    },
    next: <Next>(step: (data: Latest) => Next) =>
      chainOf<Next>([...steps, step as unknown as Step]),
  };
};

/** A type's first version, whose data has shape `V1`; add later versions with `.next`. */
export const firstVersion = <V1>(): EventVersionChain<V1> => chainOf<V1>([]);

/** One chain per event type of `Event`, each ending in that type's current data shape. */
export type EventVersionRegistry<Event extends DomainEvent> = {
  readonly [Type in Event['type']]: EventVersionChain<Extract<Event, { type: Type }>['data']>;
};

/**
 * A stored event this code cannot read: a type it does not know, or a version newer than
 * its latest (written by a newer deployment during a rolling update). The stream is left
 * alone until a deployment that knows the event reads it; nothing folds it wrongly meanwhile.
 */
export abstract class EventSchemaError extends ServiceError {
  readonly kind = 'unavailable';
  readonly code: string = 'EVENT_SCHEMA_UNKNOWN';
  constructor(
    readonly aggregateId: string,
    /** The event's position in its stream. */
    readonly version: number,
    readonly eventType: string,
    readonly schemaVersion: unknown,
    message: string,
  ) {
    super(message);
  }
}

const where = (envelope: EventEnvelope) =>
  `event ${envelope.version} of stream ${envelope.aggregateId}`;

export class UnknownEventTypeError extends EventSchemaError {
  override readonly code = 'EVENT_TYPE_UNKNOWN';
  constructor(envelope: EventEnvelope) {
    super(
      envelope.aggregateId,
      envelope.version,
      envelope.eventType,
      envelope.metadata?.schemaVersion,
      `Unknown event type ${envelope.eventType} (schema version ${String(envelope.metadata?.schemaVersion)}) at ${where(envelope)}: written by a newer deployment?`,
    );
  }
}

export class UnknownEventVersionError extends EventSchemaError {
  override readonly code = 'EVENT_VERSION_UNKNOWN';
  constructor(
    envelope: EventEnvelope,
    readonly latestKnown: number,
  ) {
    super(
      envelope.aggregateId,
      envelope.version,
      envelope.eventType,
      envelope.metadata?.schemaVersion,
      `${envelope.eventType} schema version ${String(envelope.metadata?.schemaVersion)} at ${where(envelope)} is not one this deployment reads (it knows 1 to ${latestKnown})`,
    );
  }
}

export const isEventSchemaError = (error: unknown): error is EventSchemaError =>
  error instanceof EventSchemaError;

/** Lifts stored events of one aggregate type to their latest shape; pure, shared by every reader. */
export interface EventUpcaster<Event extends DomainEvent> {
  /** The version new events of `eventType` are written with. */
  latestVersion(eventType: Event['type']): number;
  /**
   * The envelope in its type's latest shape, `metadata.schemaVersion` included; the same
   * object when it already is. Throws an `EventSchemaError` for a type or version it does
   * not know.
   */
  upcast(envelope: EventEnvelope): EnvelopeOf<Event>;
  /** The domain event an envelope holds, in the latest shape. */
  toEvent(envelope: EventEnvelope): Event;
}

/**
 * The upcaster of a registry. Its functions need no `this`, so they can be passed on
 * alone (`{ upcast: upcaster.upcast }`).
 */
export const createUpcaster = <Event extends DomainEvent>(
  registry: EventVersionRegistry<Event>,
): EventUpcaster<Event> => {
  const chains: ReadonlyMap<string, EventVersionChain<unknown>> = new Map(
    Object.entries<EventVersionChain<unknown>>(registry),
  );
  const chainFor = (envelope: EventEnvelope): EventVersionChain<unknown> => {
    const chain = chains.get(envelope.eventType);
    if (!chain) throw new UnknownEventTypeError(envelope);
    const stored = envelope.metadata?.schemaVersion;
    if (!Number.isInteger(stored) || stored < 1 || stored > chain.latest) {
      throw new UnknownEventVersionError(envelope, chain.latest);
    }
    return chain;
  };
  const upcast = (envelope: EventEnvelope): EnvelopeOf<Event> => {
    const chain = chainFor(envelope);
    const stored = envelope.metadata.schemaVersion;
    if (stored === chain.latest) return envelope as EnvelopeOf<Event>;
    return {
      ...envelope,
      payload: chain.lift(envelope.payload, stored),
      metadata: { ...envelope.metadata, schemaVersion: chain.latest },
    } as EnvelopeOf<Event>;
  };
  return {
    latestVersion: (eventType) => {
      const chain = chains.get(eventType);
      if (!chain) throw new TypeError(`No version chain for event type ${eventType}`);
      return chain.latest;
    },
    upcast,
    toEvent: (envelope) => {
      const chain = chainFor(envelope);
      const data = chain.lift(envelope.payload, envelope.metadata.schemaVersion);
      return { type: envelope.eventType, data } as Event;
    },
  };
};
