import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventEnvelope } from '../core/event.js';
import type { EventCodec } from '../core/event-codec.js';
import type { EventStore } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { type Clock, type Logger, silentLogger } from '../core/ports.js';
import { type CatchUpTarget, ViewCatchUp } from '../core/view-catch-up.js';
import type { ViewStore } from '../core/view-store.js';
import { type CustomerViewRecord, customerViewProjection } from './customer-view.js';
import { type EventNotification, parseEventNotification } from './event-notification.js';

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
 * outcome does not depend on delivery order, duplicates or lost messages. A batch is
 * handled per aggregate: its views are read together, each view catches up once to the
 * newest version the batch names, from the events the messages carry where they cover the
 * gap. A failure is reported for every message of that aggregate and no other (partial
 * batch response); SQS redelivers them, then dead-letters after `maxReceiveCount`.
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

  /** The events a stream's messages carry, decrypted as the store's reads are. */
  const decodeKnown = async (aggregateId: string, envelopes: EventEnvelope[]) => {
    if (!options.codec || envelopes.length === 0) return envelopes;
    return options.codec.decode(aggregateId, envelopes);
  };

  const failed = (record: SQSRecord, correlationId: string | undefined, error: unknown) => {
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
    return { itemIdentifier: record.messageId };
  };

  return async (event) => {
    const failures: SQSBatchItemFailure[] = [];
    // A batch's notifications by stream: one catch-up per aggregate, to its newest version.
    const byAggregate = new Map<
      string,
      Array<{ record: SQSRecord; notification: EventNotification }>
    >();
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

    const targets = new Map<string, CatchUpTarget>();
    const decoded = await Promise.allSettled(
      [...byAggregate].map(async ([aggregateId, group]) => {
        const carried = group.flatMap(({ notification }) =>
          notification.envelope ? [notification.envelope] : [],
        );
        targets.set(aggregateId, {
          upTo: Math.max(...group.map(({ notification }) => notification.version)),
          knownEvents: await decodeKnown(aggregateId, carried),
        });
      }),
    );
    [...byAggregate].forEach(([aggregateId, group], index) => {
      const result = decoded[index];
      if (result?.status !== 'rejected') return;
      byAggregate.delete(aggregateId);
      for (const { record, notification } of group) {
        failures.push(failed(record, notification.correlationId, result.reason));
      }
    });
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
      const newest = group.reduce((a, b) =>
        b.notification.version > a.notification.version ? b : a,
      );
      const acceptedAt = Date.parse(newest.notification.timestamp ?? '');
      if (outcome.status === 'applied' && !Number.isNaN(acceptedAt)) {
        metrics.timing(METRIC.projectionLag, Math.max(now() - acceptedAt, 0));
      }
      for (const { record, notification } of group) {
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
