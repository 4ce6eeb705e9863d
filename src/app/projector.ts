import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventEnvelope } from '../core/event.js';
import type { EventCodec } from '../core/event-codec.js';
import type { EventStore } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { type Clock, type Logger, silentLogger } from '../core/ports.js';
import { ViewCatchUp } from '../core/view-catch-up.js';
import type { ViewStore } from '../core/view-store.js';
import { type CustomerViewRecord, customerViewProjection } from './customer-view.js';
import { parseEventNotification } from './event-notification.js';

export interface ProjectorOptions {
  events: Pick<EventStore, 'readStream'>;
  views: ViewStore<CustomerViewRecord>;
  logger?: Logger;
  /** Projection lag (event accepted → view written) and the messages given up on. */
  metrics?: Metrics;
  clock?: Clock;
  /** The queue's `maxReceiveCount`: a failure at this receive sends the message to the DLQ. */
  maxReceiveCount?: number;
  /** Attempts per message when other projectors keep moving the same view. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Decrypts the event a message carries (the bus carries personal data only as
   * ciphertext); `events` must already decode what it reads.
   */
  codec?: Pick<EventCodec, 'decode'>;
}

/**
 * Projects Customer events from SQS into the read model. A message is only a notification
 * that a stream reached a version: the view catches up to it from the event store, so the
 * outcome does not depend on delivery order, duplicates or lost messages. A record that
 * fails is reported alone (partial batch response) and SQS redelivers it, then dead-letters
 * it after `maxReceiveCount`.
 */
export const createProjectorHandler = (
  options: ProjectorOptions,
): ((event: SQSEvent) => Promise<SQSBatchResponse>) => {
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? noMetrics;
  const now = () => (options.clock ? options.clock.now() : new Date()).getTime();
  const catchUp = new ViewCatchUp({
    events: options.events,
    views: options.views,
    projection: customerViewProjection,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });

  const decodeKnown = async (aggregateId: string, envelope: EventEnvelope) => {
    if (!options.codec) return envelope;
    const [decoded] = await options.codec.decode(aggregateId, [envelope]);
    return decoded ?? envelope;
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    let correlationId: string | undefined;
    try {
      const notification = parseEventNotification(record.body);
      correlationId = notification.correlationId;
      const outcome = await catchUp.catchUp(notification.aggregateId, {
        upTo: notification.version,
        ...(notification.envelope
          ? { known: await decodeKnown(notification.aggregateId, notification.envelope) }
          : {}),
      });
      const acceptedAt = Date.parse(notification.timestamp ?? '');
      if (outcome.status === 'applied' && !Number.isNaN(acceptedAt)) {
        metrics.timing(METRIC.projectionLag, Math.max(now() - acceptedAt, 0));
      }
      logger.debug('event projected', {
        messageId: record.messageId,
        correlationId,
        aggregateId: notification.aggregateId,
        eventVersion: notification.version,
        ...outcome,
      });
    } catch (error) {
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 0);
      const lastReceive =
        options.maxReceiveCount !== undefined && receiveCount >= options.maxReceiveCount;
      if (lastReceive) metrics.count(METRIC.deadLetter, { source: 'projector' });
      logger.warn('message not projected', {
        messageId: record.messageId,
        correlationId,
        receiveCount,
        ...(lastReceive ? { deadLettered: true } : {}),
        error,
      });
      throw error;
    }
  };

  return async (event) => {
    // One processor per invocation: it holds the batch's state between register and process.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, handleRecord, processor, {
      // Report every failure in the response instead of throwing, so callers see which.
      throwOnFullBatchFailure: false,
    });
  };
};
