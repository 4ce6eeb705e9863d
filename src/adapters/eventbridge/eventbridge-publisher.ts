import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type EventEnvelope, UNTYPED_STREAM_TYPE } from '../../core/event.js';
import { METRIC, type Metrics, noMetrics } from '../../core/metrics.js';
import { sleep as defaultSleep, type Logger, silentLogger } from '../../core/ports.js';
import { Backoff } from '../../core/retry.js';
import { isUnregisteredStreamTypeError } from '../../core/stream-types.js';
import { isEventSchemaError } from '../../core/upcasting.js';
import { ITEM_TYPE } from '../dynamodb/event-store-keys.js';
import { entrySize, MAX_REQUEST_BYTES, planBatches } from './put-events-batches.js';
import { sendInSubjectOrder } from './subject-ordered-sends.js';

export {
  entrySize,
  MAX_ENTRIES_PER_REQUEST,
  MAX_REQUEST_BYTES,
  planBatches,
} from './put-events-batches.js';

/** The one call the publisher makes; an `EventBridgeClient` is one. */
export interface PutEventsClient {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

export interface StreamPublisherOptions {
  client: PutEventsClient;
  busName: string;
  source: string;
  logger?: Logger;
  /** Events published and PutEvents retries. */
  metrics?: Metrics;
  /** PutEvents calls per batch before the stream batch is reported failed. */
  maxAttempts?: number;
  /** Base of the exponential backoff between attempts. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * PutEvents calls in flight at once for one batch of events; each stream's events still
   * go out in order. Default 10: a stream batch of 100 events is 10 calls.
   */
  concurrency?: number;
  /**
   * Lifts a stored event to its stream type's latest shape before it goes on the bus, so
   * consumers only ever see the latest shape and `detail.metadata.schemaVersion`. Throws
   * `UnregisteredStreamTypeError` for a stream type it does not know.
   */
  upcast?: (envelope: EventEnvelope) => EventEnvelope;
}

interface Pending {
  sequenceNumber: string;
  /** The event's stream (type and id): its events are published in order. */
  subject: string;
  entry: PutEventsRequestEntry;
  /** Of the event's request, for the log lines about it. */
  correlationId: string | undefined;
}

/** Thrown for a stream item that says it is an event but cannot be read as one. */
export class UnreadableEventItemError extends Error {
  constructor(sequenceNumber: string, options?: { cause?: unknown }) {
    super(`Stream record ${sequenceNumber} holds an unreadable event item`, options);
    this.name = 'UnreadableEventItemError';
  }
}

const isEventInsert = (record: DynamoDBRecord): boolean =>
  record.eventName === 'INSERT' && record.dynamodb?.NewImage?.itemType?.S === ITEM_TYPE.event;

const toEnvelope = (record: DynamoDBRecord, sequenceNumber: string): EventEnvelope => {
  try {
    const item = unmarshall(record.dynamodb?.NewImage as Record<string, AttributeValue>);
    const { eventId, aggregateId, eventType, timestamp, version } = item;
    if (
      typeof eventId !== 'string' ||
      typeof aggregateId !== 'string' ||
      typeof eventType !== 'string' ||
      typeof timestamp !== 'string' ||
      typeof version !== 'number'
    ) {
      throw new TypeError('missing envelope fields');
    }
    // Written before the type travelled with the event: the one type there was.
    const aggregateType =
      typeof item.aggregateType === 'string' ? item.aggregateType : UNTYPED_STREAM_TYPE;
    const { payload, metadata } = item;
    return {
      eventId,
      aggregateType,
      aggregateId,
      eventType,
      payload,
      timestamp,
      version,
      metadata,
    };
  } catch (error) {
    throw new UnreadableEventItemError(sequenceNumber, { cause: error });
  }
};

/** Ids are unique within a stream type only. */
const subjectOf = (envelope: EventEnvelope): string =>
  `${envelope.aggregateType}#${envelope.aggregateId}`;

/**
 * The envelope as the bus carries it. One this deployment cannot read (written by a newer
 * one during a rolling update, or of a stream type no module here registers) goes out as
 * stored: holding the stream back would stop every later event, and the consumers that
 * know it can read it (or count and dead-letter it).
 */
const forTheBus = (
  envelope: EventEnvelope,
  options: Pick<StreamPublisherOptions, 'upcast' | 'metrics'>,
  logger: Logger,
): EventEnvelope => {
  const { upcast } = options;
  if (!upcast) return envelope;
  try {
    return upcast(envelope);
  } catch (error) {
    if (isUnregisteredStreamTypeError(error)) {
      (options.metrics ?? noMetrics).count(METRIC.unregisteredStreamType, {
        consumer: 'publisher',
      });
      logger.warn('event published as stored: stream type not registered here', {
        correlationId: envelope.metadata?.correlationId,
        aggregateType: envelope.aggregateType,
        aggregateId: envelope.aggregateId,
        version: envelope.version,
        eventId: envelope.eventId,
      });
      return envelope;
    }
    if (!isEventSchemaError(error)) throw error;
    logger.warn('event published as stored: schema unknown here', {
      correlationId: envelope.metadata?.correlationId,
      aggregateType: envelope.aggregateType,
      aggregateId: envelope.aggregateId,
      version: envelope.version,
      eventType: envelope.eventType,
      schemaVersion: envelope.metadata?.schemaVersion,
    });
    return envelope;
  }
};

/**
 * The entry for one event; an envelope too large for an entry becomes a thin notification,
 * and the projector reads the event itself from the store.
 */
export const toEntry = (
  envelope: EventEnvelope,
  target: { busName: string; source: string },
): PutEventsRequestEntry => {
  const time = new Date(envelope.timestamp);
  const base = {
    EventBusName: target.busName,
    Source: target.source,
    DetailType: envelope.eventType,
    ...(Number.isNaN(time.getTime()) ? {} : { Time: time }),
  };
  const full = { ...base, Detail: JSON.stringify(envelope) };
  if (entrySize(full) <= MAX_REQUEST_BYTES) return full;
  const { aggregateType, aggregateId, version, eventType, eventId, timestamp } = envelope;
  const correlationId = envelope.metadata?.correlationId;
  return {
    ...base,
    Detail: JSON.stringify({
      thin: true,
      aggregateType,
      aggregateId,
      version,
      eventType,
      eventId,
      timestamp,
      correlationId,
    }),
  };
};

/**
 * Sends entries in batches, concurrently but in order per stream, retrying what failed;
 * answers what is still unpublished, in order.
 */
const createSender = (options: StreamPublisherOptions) => {
  const publish = createBatchSender(options);
  const concurrency = options.concurrency ?? 10;
  return async (items: Pending[]): Promise<Pending[]> => {
    const batches = planBatches(items, (p) => entrySize(p.entry));
    const unsent = await sendInSubjectOrder(batches, (p) => p.subject, publish, concurrency);
    return unsent.flat();
  };
};

/** Sends one batch, retrying what failed; answers what is still unpublished, in order. */
const createBatchSender = (options: StreamPublisherOptions) => {
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? noMetrics;
  const maxAttempts = Math.max(options.maxAttempts ?? 5, 1);
  const baseDelayMs = options.baseDelayMs ?? 50;
  const sleep = options.sleep ?? defaultSleep;

  const publish = async (batch: Pending[]): Promise<Pending[]> => {
    // Full jitter: throttled callers spread out instead of retrying in step.
    const backoff = new Backoff(
      { maxAttempts, initialDelayMs: baseDelayMs * 2, maxDelayMs: 5000, jitter: 'full' },
      { sleep },
    );
    let pending = batch;
    for (;;) {
      const failed = await putOnce(pending);
      metrics.count(METRIC.eventsPublished, undefined, pending.length - failed.length);
      pending = failed;
      if (pending.length === 0 || !(await backoff.wait())) break;
      metrics.count(METRIC.publishRetry, undefined, pending.length);
    }
    return pending;
  };

  const putOnce = async (pending: Pending[]): Promise<Pending[]> => {
    try {
      const output = await options.client.send(
        new PutEventsCommand({ Entries: pending.map((p) => p.entry) }),
      );
      if ((output.FailedEntryCount ?? 0) === 0) return [];
      const failed = pending.filter((_, index) => {
        const result = output.Entries?.[index];
        return result === undefined || result.ErrorCode !== undefined || !result.EventId;
      });
      logger.warn('PutEvents entries failed', {
        failed: failed.length,
        correlationIds: correlationIdsOf(failed),
        errors: [...new Set(output.Entries?.map((e) => e.ErrorCode).filter(Boolean))],
      });
      return failed;
    } catch (error) {
      logger.warn('PutEvents call failed', {
        entries: pending.length,
        correlationIds: correlationIdsOf(pending),
        error,
      });
      return pending;
    }
  };
  return publish;
};

/** The distinct correlation ids of some entries (at most 10), for one log line about them. */
const correlationIdsOf = (pending: Pending[]): string[] =>
  [...new Set(pending.map((p) => p.correlationId).filter((id) => id !== undefined))].slice(0, 10);

/**
 * Publishes events read from the event store (stream-failure replay, a replay from the
 * store): the same entries, batches and retries as the stream publisher. Answers the
 * envelopes still unpublished after the retries.
 */
export const createEnvelopePublisher = (
  options: StreamPublisherOptions,
): ((envelopes: EventEnvelope[]) => Promise<EventEnvelope[]>) => {
  const logger = options.logger ?? silentLogger;
  const send = createSender(options);
  return async (envelopes) => {
    const byId = new Map<string, EventEnvelope>();
    const items: Pending[] = envelopes.map((envelope) => {
      const onBus = forTheBus(envelope, options, logger);
      byId.set(envelope.eventId, envelope);
      return {
        sequenceNumber: envelope.eventId,
        subject: subjectOf(envelope),
        entry: toEntry(onBus, options),
        correlationId: envelope.metadata?.correlationId,
      };
    });
    const unpublished: EventEnvelope[] = [];
    for (const left of await send(items)) {
      const envelope = byId.get(left.sequenceNumber);
      if (envelope) unpublished.push(envelope);
    }
    return unpublished;
  };
};

/**
 * Publishes the events a DynamoDB stream batch inserted to EventBridge: the command path
 * writes only the table, so nothing is lost between a write and its publication. Failed
 * entries are retried with backoff; when retries run out, the response names the first
 * unpublished record and Lambda retries the stream from there (at least once, in order).
 */
export const createStreamPublisher = (
  options: StreamPublisherOptions,
): ((event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>) => {
  const logger = options.logger ?? silentLogger;
  const send = createSender(options);

  return async (event) => {
    const items: Pending[] = [];
    let unreadable: string | undefined;
    for (const record of event.Records) {
      if (!isEventInsert(record)) continue;
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
      try {
        const envelope = forTheBus(toEnvelope(record, sequenceNumber), options, logger);
        const entry = toEntry(envelope, options);
        items.push({
          sequenceNumber,
          subject: subjectOf(envelope),
          entry,
          correlationId: envelope.metadata?.correlationId,
        });
      } catch (error) {
        // Publish what came before it; the stream retries from this record on.
        logger.error('unreadable event item', { sequenceNumber, error });
        unreadable = sequenceNumber;
        break;
      }
    }
    // Lambda resumes the shard from the earliest record named, so what later batches
    // published goes out again (at least once), and each stream stays in order.
    const unpublished = await send(items);
    const first = unpublished[0];
    if (first) {
      logger.error('events not published after retries', {
        firstSequenceNumber: first.sequenceNumber,
        correlationIds: correlationIdsOf(unpublished),
        unpublished: unpublished.length,
      });
      return { batchItemFailures: [{ itemIdentifier: first.sequenceNumber }] };
    }
    return { batchItemFailures: unreadable === undefined ? [] : [{ itemIdentifier: unreadable }] };
  };
};
