import * as z from 'zod';
import { UNTYPED_STREAM_TYPE } from '../core/event.js';

const AggregateId = z.string().min(1);
/** Added later: events published before carry none, and were a Customer's. */
const AggregateType = z.string().min(1).optional();
const Version = z.number().int().positive();

const EnvelopeDetail = z.object({
  eventId: z.string().min(1),
  aggregateType: AggregateType,
  aggregateId: AggregateId,
  eventType: z.string().min(1),
  payload: z.unknown(),
  timestamp: z.string().min(1),
  version: Version,
  metadata: z.looseObject({
    correlationId: z.string(),
    schemaVersion: z.number(),
    commandId: z.string().optional(),
    causationId: z.string().optional(),
  }),
});

/** Sent instead of the envelope when it is too large for one EventBridge entry. */
export const ThinDetail = z.object({
  thin: z.literal(true),
  aggregateType: AggregateType,
  aggregateId: AggregateId,
  version: Version,
  eventType: z.string().min(1),
  eventId: z.string().min(1),
  /** Added later: thin notifications published before carry neither. */
  timestamp: z.string().min(1).optional(),
  correlationId: z.string().optional(),
});
export type ThinDetail = z.infer<typeof ThinDetail>;

/** An EventBridge event as an SQS rule target receives it: `detail` is an object. */
const EventBridgeMessage = z.looseObject({
  'detail-type': z.string(),
  source: z.string(),
  detail: z.union([ThinDetail, EnvelopeDetail]),
});

/**
 * What the projector learns from one message: which stream reached which version, and
 * nothing more. The content of the event a message may carry is never used: anyone who can
 * send to the bus or the queue could have written it, so what is applied is read from the
 * event store.
 */
export interface EventNotification {
  /** The stream's type, which consumers route by; `UNTYPED_STREAM_TYPE` when the message has none. */
  aggregateType: string;
  aggregateId: string;
  version: number;
  eventType: string;
  /** When the event was accepted, for the projection lag. */
  timestamp?: string;
  /** The request that caused the event, for log lines about it. */
  correlationId?: string;
  /** The message was a thin notification (the event was too large to carry). */
  thin: boolean;
}

export class MalformedNotificationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedNotificationError';
  }
}

export const parseEventNotification = (body: string): EventNotification => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new MalformedNotificationError('Message body is not JSON', { cause: error });
  }
  const parsed = EventBridgeMessage.safeParse(json);
  if (!parsed.success) {
    throw new MalformedNotificationError(
      `Message body is not an event notification: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  const { detail } = parsed.data;
  const notification: EventNotification = {
    aggregateType: detail.aggregateType ?? UNTYPED_STREAM_TYPE,
    aggregateId: detail.aggregateId,
    version: detail.version,
    eventType: detail.eventType,
    thin: 'thin' in detail,
  };
  const timestamp = detail.timestamp;
  const correlationId = 'thin' in detail ? detail.correlationId : detail.metadata.correlationId;
  if (timestamp !== undefined) notification.timestamp = timestamp;
  if (correlationId !== undefined) notification.correlationId = correlationId;
  return notification;
};
