import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseEventNotification } from '../../app/event-notification.js';

/**
 * One message in the projection's dead-letter queue. The projector's error is not stored
 * on the message (SQS keeps no such thing): what we know is what the body says, how often
 * SQS handed it out, and when. The cause is in the projector's logs, under `messageId`
 * (SQS keeps the id when it moves a message to the DLQ), or found again by replaying the
 * stream (see `dlq list --diagnose`).
 */
export interface DeadLetter {
  messageId: string;
  eventType: string | undefined;
  /** The stream's type (`Customer` for messages sent before it travelled); absent when unreadable. */
  aggregateType?: string;
  aggregateId: string | undefined;
  version: number | undefined;
  /** Thin notifications carry no event; the projector reads it from the event store. */
  thin: boolean;
  /**
   * `ApproximateReceiveCount` as SQS reports it: the receives on the main queue (which
   * exceeded `maxReceiveCount`) plus receives on the DLQ, this listing's included.
   */
  receiveCount: number | undefined;
  /** ISO time of the first receive, on the main queue. */
  firstReceivedAt: string | undefined;
  /** ISO time the message was first sent (to the main queue; a DLQ move keeps it). */
  sentAt: string | undefined;
  /** Set when the body is not an event notification: reason enough for the projector. */
  bodyError: string | undefined;
  /** The body, cut to 1 KB. */
  bodyPreview: string;
}

export interface RedriveReport {
  /** Sent to the target, then deleted from the DLQ. */
  moved: DeadLetter[];
  /** Left in the DLQ because they did not match the filter. */
  skipped: number;
  /** Left in the DLQ because the send failed. */
  failed: Array<{ messageId: string; reason: string }>;
}

export interface SqsDeadLetterQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** How long a listing hides the messages it has seen, so it does not see them twice. */
  holdSeconds?: number;
  /** Long-poll wait of each receive; 0 on AWS samples only some servers. */
  waitTimeSeconds?: number;
}

const MAX_BATCH = 10;
const PREVIEW_BYTES = 1024;

const isoOf = (epochMs: string | undefined): string | undefined => {
  const n = Number(epochMs);
  return epochMs !== undefined && Number.isFinite(n) && n > 0
    ? new Date(n).toISOString()
    : undefined;
};

export const toDeadLetter = (message: Message): DeadLetter => {
  const body = message.Body ?? '';
  const attributes = message.Attributes ?? {};
  const count = Number(attributes.ApproximateReceiveCount);
  const base = {
    messageId: message.MessageId ?? '',
    receiveCount: Number.isInteger(count) ? count : undefined,
    firstReceivedAt: isoOf(attributes.ApproximateFirstReceiveTimestamp),
    sentAt: isoOf(attributes.SentTimestamp),
    bodyPreview: body.length > PREVIEW_BYTES ? `${body.slice(0, PREVIEW_BYTES)}…` : body,
  };
  try {
    const notification = parseEventNotification(body);
    return {
      ...base,
      eventType: notification.eventType,
      aggregateType: notification.aggregateType,
      aggregateId: notification.aggregateId,
      version: notification.version,
      thin: notification.thin,
      bodyError: undefined,
    };
  } catch (error) {
    return {
      ...base,
      eventType: undefined,
      aggregateId: undefined,
      version: undefined,
      thin: false,
      bodyError: error instanceof Error ? error.message : String(error),
    };
  }
};

const chunks = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Reads and redrives a dead-letter queue through the plain SQS API, so it works on AWS and
 * on the local emulator alike. Listing never consumes: messages are received with a short
 * visibility timeout and made visible again at once. A redrive sends each message to the
 * target before deleting it from the DLQ, so a crash in between leaves a duplicate (which
 * the projector absorbs), never a loss.
 */
export class SqsDeadLetterQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly holdSeconds: number;
  private readonly waitTimeSeconds: number;

  constructor(options: SqsDeadLetterQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.holdSeconds = options.holdSeconds ?? 30;
    this.waitTimeSeconds = options.waitTimeSeconds ?? 1;
  }

  /** Up to `max` dead letters, left in the queue. */
  async list(options: { max?: number } = {}): Promise<DeadLetter[]> {
    const max = options.max ?? 100;
    const held: Message[] = [];
    try {
      await this.receiveAll(max, (batch) => {
        held.push(...batch);
      });
      return held.map(toDeadLetter);
    } finally {
      await this.release(held);
    }
  }

  /**
   * Moves dead letters (all, or those of one aggregate) to `targetQueueUrl`, the queue the
   * projector reads. Fix the cause first: a message that fails again comes back here.
   */
  async redrive(options: {
    targetQueueUrl: string;
    aggregateId?: string;
    /** Only this message (the console's "redrive one"). */
    messageId?: string;
    max?: number;
  }): Promise<RedriveReport> {
    const report: RedriveReport = { moved: [], skipped: 0, failed: [] };
    const keep: Message[] = [];
    try {
      await this.receiveAll(options.max ?? Number.POSITIVE_INFINITY, async (batch) => {
        const chosen: Message[] = [];
        for (const message of batch) {
          const letter = toDeadLetter(message);
          const wanted =
            (options.aggregateId === undefined || letter.aggregateId === options.aggregateId) &&
            (options.messageId === undefined || letter.messageId === options.messageId);
          if (wanted) {
            chosen.push(message);
          } else {
            keep.push(message);
            report.skipped++;
          }
        }
        if (chosen.length === 0) return;
        const sent = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: options.targetQueueUrl,
            Entries: chosen.map((message, index) => ({
              Id: String(index),
              MessageBody: message.Body ?? '',
              ...(message.MessageAttributes
                ? { MessageAttributes: message.MessageAttributes }
                : {}),
            })),
          }),
        );
        const failedIds = new Map((sent.Failed ?? []).map((f) => [f.Id, f.Message ?? f.Code]));
        const delivered: Message[] = [];
        chosen.forEach((message, index) => {
          const reason = failedIds.get(String(index));
          if (reason === undefined && sent.Successful?.some((s) => s.Id === String(index))) {
            delivered.push(message);
          } else {
            keep.push(message);
            report.failed.push({
              messageId: message.MessageId ?? '',
              reason: reason ?? 'not acknowledged',
            });
          }
        });
        if (delivered.length === 0) return;
        // Only after the send succeeded: deleting first could lose the message.
        const deleted = await this.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: delivered.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle ?? '',
            })),
          }),
        );
        const notDeleted = new Set((deleted.Failed ?? []).map((f) => f.Id));
        delivered.forEach((message, index) => {
          // Sent but still here: it will be delivered twice, which the projector absorbs.
          if (!notDeleted.has(String(index))) report.moved.push(toDeadLetter(message));
        });
      });
      return report;
    } finally {
      await this.release(keep);
    }
  }

  /** Receives until the queue shows nothing new, or `max` messages were seen. */
  private async receiveAll(
    max: number,
    onBatch: (batch: Message[]) => void | Promise<void>,
  ): Promise<void> {
    const seen = new Set<string>();
    while (seen.size < max) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(MAX_BATCH, max - seen.size),
          VisibilityTimeout: this.holdSeconds,
          WaitTimeSeconds: this.waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      // A message whose hold ran out during a long run comes round again: count it once.
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      await this.release(Messages.filter((m) => !fresh.includes(m)));
      if (fresh.length === 0) return;
      for (const m of fresh) seen.add(m.MessageId ?? '');
      await onBatch(fresh);
    }
  }

  /** Makes held messages visible again right away. */
  private async release(messages: Message[]): Promise<void> {
    const handles = messages.filter((m) => m.ReceiptHandle);
    for (const batch of chunks(handles, MAX_BATCH)) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((m, index) => ({
            Id: String(index),
            ReceiptHandle: m.ReceiptHandle ?? '',
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}
