import type { EventEnvelope } from './event.js';
import type { Snapshot, UniqueClaim } from './event-store.js';

/**
 * How events look at rest versus in memory. Encoding encrypts personal data with the
 * aggregate's own key; decoding decrypts it. Decoding needs keys and I/O, so it is one async
 * step on every read of the store, before the pure upcasters; it is not an upcaster.
 */
export interface EventCodec {
  /**
   * New events as they are stored. May create the aggregate's key on its first personal
   * data (`newStream`: the stream has no event yet, so it has no key to look up); throws `KeyUnavailableError` when the key cannot be had (nothing is written then).
   */
  encode(
    aggregateId: string,
    events: EventEnvelope[],
    options?: { newStream?: boolean },
  ): Promise<EventEnvelope[]>;
  /**
   * Stored events as the code reads them. Events written before encryption pass through; the
   * personal data of a forgotten aggregate reads as a marker, never as an error.
   */
  decode(aggregateId: string, events: EventEnvelope[]): Promise<EventEnvelope[]>;
  /**
   * The events of a stream that records its own erasure: every personal field reads as the
   * marker, plaintext of before included, and no key is looked up. Whatever this process
   * holds of the aggregate's key is dropped, so no later read can use it.
   */
  decodeErased(aggregateId: string, events: EventEnvelope[]): Promise<EventEnvelope[]>;
  encodeSnapshot(aggregateId: string, snapshot: Snapshot): Promise<Snapshot>;
  /** `undefined` when the snapshot can no longer be read (its aggregate was forgotten). */
  decodeSnapshot(aggregateId: string, snapshot: Snapshot): Promise<Snapshot | undefined>;
}

/** Claims as they are stored: keyed hashes instead of the values themselves. */
export interface StoredClaims {
  claims: UniqueClaim[];
  releases: UniqueClaim[];
  /** Older forms of the claims, which must be free or held by the same aggregate. */
  checks: UniqueClaim[];
  /** The plain claim behind each stored claim or check, to report a refusal by. */
  plainOf(stored: UniqueClaim): UniqueClaim | undefined;
}

export interface ClaimCodec {
  encode(claims: UniqueClaim[], releases: UniqueClaim[]): Promise<StoredClaims>;
}

/** What a forgotten subject's personal data reads as, in every event. */
export const FORGOTTEN_MARKER = '[forgotten]';
