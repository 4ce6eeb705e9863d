/** The shape a decider emits: a past-tense `type` and its data. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

export interface EventMetadata {
  commandId?: string;
  correlationId: string;
  causationId?: string;
  schemaVersion: number;
}

/** What the event store keeps and publishes: one event with its place in the stream. */
export interface EventEnvelope<Type extends string = string, Payload = unknown> {
  eventId: string;
  aggregateId: string;
  eventType: Type;
  payload: Payload;
  /** ISO-8601 instant at which the command was accepted. */
  timestamp: string;
  /** 1-based position in the aggregate's stream. */
  version: number;
  metadata: EventMetadata;
}

export type EnvelopeOf<E extends DomainEvent> =
  E extends DomainEvent<infer T, infer D> ? EventEnvelope<T, D> : never;
