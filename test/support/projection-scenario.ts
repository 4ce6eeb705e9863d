import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { EventEnvelope } from '../../src/core/event.js';
import { messageBody, seededRandom, shuffle } from './customer-histories.js';
import { inBatches, sqsEvent, sqsRecord } from './sqs-messages.js';

export interface DeliveryPlan {
  /** Projector instances; batches go to them in turn, several at once. */
  handlers: Array<(event: SQSEvent) => Promise<SQSBatchResponse>>;
  streams: EventEnvelope[][];
  seed: number;
  /** Chance that an event (not the last of its stream) is never delivered at all. */
  dropRate?: number;
  /** Chance that a delivered event arrives as a thin notification. */
  thinRate?: number;
  batchSize?: number;
  /** Batches in flight at once, like concurrent Lambda invocations. */
  inFlight?: number;
}

/**
 * Delivers every event twice, shuffled, some as thin notifications and some not at all:
 * what at-least-once, unordered delivery with a lossy hop can do at its worst.
 */
export const deliverShuffled = async (
  plan: DeliveryPlan,
): Promise<{ messages: number; dropped: number; failures: SQSBatchItemFailure[] }> => {
  const random = seededRandom(plan.seed);
  const bodies: string[] = [];
  let dropped = 0;
  for (const stream of plan.streams) {
    for (const envelope of stream) {
      const last = envelope.version === stream.length;
      if (!last && random() < (plan.dropRate ?? 0.2)) {
        dropped++;
        continue;
      }
      for (let copy = 0; copy < 2; copy++) {
        bodies.push(messageBody(envelope, random() < (plan.thinRate ?? 0.1)));
      }
    }
  }
  const batches = inBatches(shuffle(bodies, random).map(sqsRecord), plan.batchSize ?? 10);
  const failures: SQSBatchItemFailure[] = [];
  let next = 0;
  const lanes = Array.from({ length: plan.inFlight ?? 4 }, async (_, lane) => {
    const handler = plan.handlers[lane % plan.handlers.length];
    if (!handler) return;
    for (let batch = batches[next++]; batch; batch = batches[next++]) {
      const response = await handler(sqsEvent(batch));
      failures.push(...response.batchItemFailures);
    }
  });
  await Promise.all(lanes);
  return { messages: bodies.length, dropped, failures };
};
