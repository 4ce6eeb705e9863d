import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import { type Clock, type Logger, silentLogger } from '../core/ports.js';
import {
  type StreamTypeBinding,
  type StreamTypes,
  UnregisteredStreamTypeError,
} from '../core/stream-types.js';
import {
  type CatchUpOutcome,
  type CatchUpTarget,
  catchUpsPerReadModel,
} from '../core/view-catch-up.js';
import { type EventNotification, parseEventNotification } from './event-notification.js';

export interface ProjectorOptions {
  /**
   * The registered stream types: each notification's type names the event store it is read
   * from (the only source of what is applied) and the read models it feeds.
   */
  streams: StreamTypes;
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

/** What the read models of one stream reached: the lowest version, none when it feeds none. */
interface StreamOutcome {
  version: number | undefined;
  applied: Array<{ projection: string; outcome: CatchUpOutcome }>;
}

/**
 * Projects events from SQS into the read models of their stream type. A message is only a
 * notification that a stream may have moved: each read model its type feeds catches up from
 * the type's event store (one read per stream and read model per batch, from the view's
 * version to the end of the stream), so the outcome depends neither on delivery order,
 * duplicates or lost messages, nor on what a message says the event was. The views of a
 * batch are read together, per read model.
 *
 * A notification for a version the store does not hold changes nothing. It is logged and
 * counted (`NotificationsRejected`) and fails like any message, since a retry costs one
 * read; at its last receive it is acknowledged instead of dead-lettered: the store, read
 * strongly consistent after the event was published, says the event never happened, so a
 * redrive would be refused again, and a forger could otherwise fill the dead-letter queue
 * and page the operators at will. A notification of a type no module is registered for is
 * counted (`UnregisteredStreamType`) and fails, to be dead-lettered, never skipped. Any
 * other failure is reported for every message of that stream and no other (partial batch
 * response); SQS redelivers them, then dead-letters after `maxReceiveCount`.
 */
export const createProjectorHandler = (
  options: ProjectorOptions,
): ((event: SQSEvent) => Promise<SQSBatchResponse>) => {
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? noMetrics;
  const now = () => (options.clock ? options.clock.now() : new Date()).getTime();
  const catchUpOf = catchUpsPerReadModel({
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });

  const receiveOf = (record: SQSRecord) => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 0);
    const lastReceive =
      options.maxReceiveCount !== undefined && receiveCount >= options.maxReceiveCount;
    return { receiveCount, lastReceive };
  };

  const failed = (
    record: SQSRecord,
    notification: EventNotification | undefined,
    error: unknown,
  ) => {
    const { receiveCount, lastReceive } = receiveOf(record);
    if (lastReceive) metrics.count(METRIC.deadLetter, { source: 'projector' });
    logger.warn('message not projected', {
      messageId: record.messageId,
      ...(notification
        ? {
            correlationId: notification.correlationId,
            aggregateType: notification.aggregateType,
            aggregateId: notification.aggregateId,
          }
        : {}),
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
      aggregateType: notification.aggregateType,
      aggregateId: notification.aggregateId,
      eventVersion: notification.version,
      storeVersion,
      receiveCount,
      ...(lastReceive ? { dropped: true } : {}),
    });
    return lastReceive ? undefined : { itemIdentifier: record.messageId };
  };

  /**
   * Every read model of one type caught up on these streams, together. A stream's outcome
   * is its first failure, else the lowest version its read models reached.
   */
  const project = async (
    type: StreamTypeBinding,
    targets: ReadonlyMap<string, CatchUpTarget>,
  ): Promise<Map<string, PromiseSettledResult<StreamOutcome>>> => {
    const perProjection = await Promise.all(
      type.projections.map(async (binding) => ({
        projection: binding.name,
        outcomes: await catchUpOf(type, binding).catchUpMany(targets),
      })),
    );
    const results = new Map<string, PromiseSettledResult<StreamOutcome>>();
    for (const aggregateId of targets.keys()) {
      const stream: StreamOutcome = { version: undefined, applied: [] };
      let failure: PromiseRejectedResult | undefined;
      for (const { projection, outcomes } of perProjection) {
        const settled = outcomes.get(aggregateId) ?? {
          status: 'rejected',
          reason: new Error('no outcome'),
        };
        if (settled.status === 'rejected') {
          failure ??= settled;
          continue;
        }
        const { version } = settled.value;
        stream.version = Math.min(version, stream.version ?? version);
        stream.applied.push({ projection, outcome: settled.value });
      }
      results.set(aggregateId, failure ?? { status: 'fulfilled', value: stream });
    }
    return results;
  };

  return async (event) => {
    const failures: SQSBatchItemFailure[] = [];
    // A batch's notifications by stream type, then by stream: one catch-up per stream.
    const byType = new Map<string, Map<string, Received[]>>();
    for (const record of event.Records) {
      let notification: EventNotification;
      try {
        notification = parseEventNotification(record.body);
      } catch (error) {
        failures.push(failed(record, undefined, error));
        continue;
      }
      const type = notification.aggregateType;
      const streams = byType.get(type) ?? new Map<string, Received[]>();
      const group = streams.get(notification.aggregateId) ?? [];
      group.push({ record, notification });
      streams.set(notification.aggregateId, group);
      byType.set(type, streams);
    }

    await Promise.all(
      [...byType].map(async ([typeName, streams]) => {
        const type = options.streams.find(typeName);
        if (!type) {
          // Nothing is registered to fold it: its messages come back, then go to the DLQ.
          for (const [aggregateId, group] of streams) {
            const error = new UnregisteredStreamTypeError(typeName, aggregateId);
            for (const { record, notification } of group) {
              metrics.count(METRIC.unregisteredStreamType, { consumer: 'projector' });
              failures.push(failed(record, notification, error));
            }
          }
          return;
        }
        const targets = new Map<string, CatchUpTarget>(
          [...streams].map(([aggregateId, group]) => [
            aggregateId,
            { upTo: Math.max(...group.map(({ notification }) => notification.version)) },
          ]),
        );
        const outcomes = await project(type, targets);
        for (const [aggregateId, group] of streams) {
          failures.push(...settle(aggregateId, group, outcomes.get(aggregateId)));
        }
      }),
    );
    return { batchItemFailures: failures };
  };

  /** The messages of one stream, answered by what its read models reached. */
  function settle(
    aggregateId: string,
    group: Received[],
    settled: PromiseSettledResult<StreamOutcome> | undefined,
  ): SQSBatchItemFailure[] {
    if (settled?.status !== 'fulfilled') {
      // A view of the stream did not move: every message about it comes back.
      const reason: unknown = settled?.reason ?? new Error('no outcome');
      return group.map(({ record, notification }) => failed(record, notification, reason));
    }
    const { version, applied } = settled.value;
    for (const { outcome } of applied) {
      const acceptedAt = Date.parse(outcome.lastAppliedAt ?? '');
      if (outcome.status === 'applied' && !Number.isNaN(acceptedAt)) {
        metrics.timing(METRIC.projectionLag, Math.max(now() - acceptedAt, 0));
      }
    }
    const failures: SQSBatchItemFailure[] = [];
    for (const received of group) {
      const { record, notification } = received;
      if (version !== undefined && notification.version > version) {
        const failure = rejected(received, version);
        if (failure) failures.push(failure);
        continue;
      }
      logger.debug('event projected', {
        messageId: record.messageId,
        correlationId: notification.correlationId,
        aggregateType: notification.aggregateType,
        aggregateId,
        eventVersion: notification.version,
        views: applied.map(({ projection, outcome }) => ({ projection, ...outcome })),
      });
    }
    return failures;
  }
};
