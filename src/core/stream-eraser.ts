import type { EventEnvelope } from './event.js';
import type { UniqueClaim } from './event-store.js';

/**
 * The only sanctioned rewrites of stored events: erasing the personal data of a forgotten
 * subject, and encrypting streams written before encryption (`encrypt-legacy`). Nothing else
 * changes a stored event (see docs/privacy.md). Every operation is idempotent.
 */
export interface StreamEraser {
  /** Deletes the stream's snapshot; `true` when there was one. */
  deleteSnapshot(aggregateId: string): Promise<boolean>;
  /**
   * Rewrites the payload of each stored event (as stored, not decoded) for which `rewrite`
   * returns a new one; `undefined` leaves the event alone. Answers how many were rewritten.
   */
  rewritePayloads(
    aggregateId: string,
    rewrite: (envelope: EventEnvelope) => unknown | undefined,
  ): Promise<number>;
  /** Moves a claim held by `aggregateId` from one key to another, atomically. */
  replaceClaim(aggregateId: string, from: UniqueClaim, to: UniqueClaim): Promise<void>;
}
