import type { DeadLetter } from '../adapters/sqs/dead-letter-queue.js';
import type { EventStore } from '../core/event-store.js';
import { applyEnvelopes } from '../core/projection.js';
import { customerViewProjection } from './customer-view.js';

export interface Diagnosis {
  messageId: string;
  /** Why the projector fails on this stream now, or undefined when it would succeed. */
  error: string | undefined;
  streamVersion: number;
}

/** Replays the stream the message points at, as the projector would, and names the failure. */
export const diagnose = async (
  letter: DeadLetter,
  events: Pick<EventStore, 'readStream'>,
): Promise<Diagnosis> => {
  if (letter.aggregateId === undefined) {
    return { messageId: letter.messageId, error: letter.bodyError, streamVersion: 0 };
  }
  const stream = await events.readStream(letter.aggregateId);
  const last = stream.at(-1)?.version ?? 0;
  if (letter.version !== undefined && last < letter.version) {
    return {
      messageId: letter.messageId,
      error: `the event store has no event ${letter.version} (stream ends at ${last})`,
      streamVersion: last,
    };
  }
  try {
    applyEnvelopes(customerViewProjection, undefined, stream);
    return { messageId: letter.messageId, error: undefined, streamVersion: last };
  } catch (error) {
    return {
      messageId: letter.messageId,
      error: error instanceof Error ? error.message : String(error),
      streamVersion: last,
    };
  }
};
