/** The shape a decider emits: a past-tense `type` and its data. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/**
 * Who asked for the command that wrote an event: a token's subject (and the client it was
 * issued to), an IAM caller, the local developer, or a direct invocation. Events written
 * before actors were recorded carry none.
 */
export interface Actor {
  kind: 'jwt' | 'iam' | 'local' | 'invoke';
  /** The token's `sub`, the IAM caller's ARN, `developer`, or the invocation's request id. */
  id: string;
  /** The OAuth client the token was issued to (`client_id`, `azp`). */
  clientId?: string;
}

export interface EventMetadata {
  commandId?: string;
  correlationId: string;
  causationId?: string;
  schemaVersion: number;
  actor?: Actor;
}

/** What the event store keeps and publishes: one event with its place in the stream. */
export interface EventEnvelope<Type extends string = string, Payload = unknown> {
  eventId: string;
  /**
   * The type of the stream the event belongs to (`Customer`): every consumer routes by it.
   * Items written before it travelled with the event read as `UNTYPED_STREAM_TYPE`.
   */
  aggregateType: string;
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

/**
 * The type of every stream written before the type travelled with its events: the service
 * then had one aggregate. Items, change-index entries and messages without a type read as it.
 */
export const UNTYPED_STREAM_TYPE = 'Customer';

/** A stream's identity: ids are unique within a type, not across types. */
export interface StreamRef {
  aggregateType: string;
  aggregateId: string;
}
