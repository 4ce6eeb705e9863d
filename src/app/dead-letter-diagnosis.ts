import type { DeadLetter } from '../adapters/sqs/dead-letter-queue.js';
import { UNTYPED_STREAM_TYPE } from '../core/event.js';
import { applyEnvelopes } from '../core/projection.js';
import { type StreamTypes, UnregisteredStreamTypeError } from '../core/stream-types.js';

export interface Diagnosis {
  messageId: string;
  /** The type of the stream the message names; undefined when its body is unreadable. */
  aggregateType: string | undefined;
  /** Why the projector fails on this stream now, or undefined when it would succeed. */
  error: string | undefined;
  /** The read model whose projection fails on the stream, when one does. */
  projection?: string;
  streamVersion: number;
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Replays the stream the message points at into every read model of its type, as the
 * projector would, and names the failure: a type no module is registered for, a version
 * the store does not hold, or the first projection that does not fold.
 */
export const diagnose = async (letter: DeadLetter, streams: StreamTypes): Promise<Diagnosis> => {
  const { messageId } = letter;
  if (letter.aggregateId === undefined) {
    return { messageId, aggregateType: undefined, error: letter.bodyError, streamVersion: 0 };
  }
  const aggregateType = letter.aggregateType ?? UNTYPED_STREAM_TYPE;
  const type = streams.find(aggregateType);
  if (!type) {
    const error = new UnregisteredStreamTypeError(aggregateType, letter.aggregateId);
    return { messageId, aggregateType, error: error.message, streamVersion: 0 };
  }
  const stream = await type.events.readStream(letter.aggregateId);
  const last = stream.at(-1)?.version ?? 0;
  const answer = { messageId, aggregateType, streamVersion: last };
  if (letter.version !== undefined && last < letter.version) {
    return {
      ...answer,
      error: `the event store has no event ${letter.version} (stream ends at ${last})`,
    };
  }
  for (const { name, projection } of type.projections) {
    try {
      applyEnvelopes(projection, undefined, stream);
    } catch (error) {
      return { ...answer, error: messageOf(error), projection: name };
    }
  }
  return { ...answer, error: undefined };
};
