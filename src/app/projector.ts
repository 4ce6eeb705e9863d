import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventStore } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { type Clock, type Logger, silentLogger } from '../core/ports.js';
import { type CatchUpTarget, ViewCatchUp } from '../core/view-catch-up.js';
import type { ViewStore } from '../core/view-store.js';
import { type CustomerViewRecord, customerViewProjection } from './customer-view.js';
import { type EventNotification, parseEventNotification } from './event-notification.js';

export interface ProjectorOptions {
  /** The event store, decoding what it reads: the only source of what is applied. */
  events: Pick<EventStore, 'readStream'>;
  views: ViewStore<CustomerViewRecord>;
  logger?: Logger;
  /** Projection lag (event accepted → view written), rejected notifications, dead letters. */
  metrics?: Metrics;
  clock?: Clock;
  /**
   * The queue's `maxReceiveCount`: a failure at this receive sends the message to the DLQ,
   * and a notification the store still contradicts at this receive is dropped.
   */
  maxReceiveCount?: number;
  /** Attempts per message when other projectors keep moving the same view. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface Received {
  record: SQSRecord;
  notification: EventNotification;
}

/**
 * Projects Customer events from SQS into the read model. A message is only a notification
 * that a stream may have moved: the view catches up from the event store (one read per
 * customer per batch, from the view's version to the end of the stream), so the outcome
 * depends neither on delivery order, duplicates or lost messages, nor on what a message
 * says the event was. The views of a batch are read together.
 *
 * A notification for a version the store does not hold changes nothing. It is logged and
 * counted (`NotificationsRejected`) and fails like any message, since a retry costs one
 * read; at its last receive it is acknowledged instead of dead-lettered: the store, read
 * strongly consistent after the event was published, says the event never happened, so a
 * redrive would be refused again, and a forger could otherwise fill the dead-letter queue
 * and page the operators at will. Any other failure is reported for every message of that
 * customer and no other (partial batch response); SQS redelivers them, then dead-letters
 * after `maxReceiveCount`.
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

  const receiveOf = (record: SQSRecord) => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 0);
    const lastReceive =
      options.maxReceiveCount !== undefined && receiveCount >= options.maxReceiveCount;
    return { receiveCount, lastReceive };
  };

  const failed = (record: SQSRecord, correlationId: string | undefined, error: unknown) => {
    const { receiveCount, lastReceive } = receiveOf(record);
    if (lastReceive) metrics.count(METRIC.deadLetter, { source: 'projector' });
    logger.warn('message not projected', {
      messageId: record.messageId,
      correlationId,
      receiveCount,
      ...(lastReceive ? { deadLettered: true } : {}),
      error,
    });
    return { itemIdentifier: record.messageId };
  };

  /** The store ends before this notification's version: a failure, or dropped at the last receive. */
  const rejected = (
    { record, notification }: Received,
    storeVersion: number,
  ): SQSBatchItemFailure | undefined => {
    const { receiveCount, lastReceive } = receiveOf(record);
    metrics.count(METRIC.notificationsRejected);
    // Ids and versions only: the message's content is not to be trusted, nor logged.
    logger.warn('notification rejected: the event store does not hold its version', {
      messageId: record.messageId,
      correlationId: notification.correlationId,
      aggregateId: notification.aggregateId,
      eventVersion: notification.version,
      storeVersion,
      receiveCount,
      ...(lastReceive ? { dropped: true } : {}),
    });
    return lastReceive ? undefined : { itemIdentifier: record.messageId };
  };

  return async (event) => {
    const failures: SQSBatchItemFailure[] = [];
    // A batch's notifications by stream: one catch-up per aggregate.
    const byAggregate = new Map<string, Received[]>();
    for (const record of event.Records) {
      let notification: EventNotification;
      try {
        notification = parseEventNotification(record.body);
      } catch (error) {
        failures.push(failed(record, undefined, error));
        continue;
      }
      const group = byAggregate.get(notification.aggregateId) ?? [];
      group.push({ record, notification });
      byAggregate.set(notification.aggregateId, group);
    }

    const targets = new Map<string, CatchUpTarget>(
      [...byAggregate].map(([aggregateId, group]) => [
        aggregateId,
        { upTo: Math.max(...group.map(({ notification }) => notification.version)) },
      ]),
    );
    const outcomes = await catchUp.catchUpMany(targets);

    for (const [aggregateId, group] of byAggregate) {
      const settled = outcomes.get(aggregateId);
      if (settled?.status !== 'fulfilled') {
        // The stream's view did not move: every message about it comes back.
        const reason: unknown = settled?.reason ?? new Error('no outcome');
        for (const { record, notification } of group) {
          failures.push(failed(record, notification.correlationId, reason));
        }
        continue;
      }
      const outcome = settled.value;
      const acceptedAt = Date.parse(outcome.lastAppliedAt ?? '');
      if (outcome.status === 'applied' && !Number.isNaN(acceptedAt)) {
        metrics.timing(METRIC.projectionLag, Math.max(now() - acceptedAt, 0));
      }
      for (const received of group) {
        const { record, notification } = received;
        if (notification.version > outcome.version) {
          const failure = rejected(received, outcome.version);
          if (failure) failures.push(failure);
          continue;
        }
        logger.debug('event projected', {
          messageId: record.messageId,
          correlationId: notification.correlationId,
          aggregateId,
          eventVersion: notification.version,
          ...outcome,
        });
      }
    }
    return { batchItemFailures: failures };
  };
};
