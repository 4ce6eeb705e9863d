import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { StreamFailureRecord } from '../dynamodb/stream-failure-record.js';

/** One message of the stream's on-failure queue, read or not. */
export interface ReceivedStreamFailure {
  messageId: string;
  receiptHandle: string;
  record?: StreamFailureRecord;
  /** Set when the body is not a stream failure record. */
  bodyError?: string;
}

export interface SqsStreamFailureQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** How long received messages stay hidden while they are worked on. */
  holdSeconds?: number;
  waitTimeSeconds?: number;
}

const MAX_BATCH = 10;

/**
 * The queue the stream mapping sends failure records to (`SqsDlq` in the stack, a queue on
 * the SQS emulator locally). Messages are held while a tool works on them, then deleted
 * (replayed) or made visible again (listed, or a replay that failed).
 */
export class SqsStreamFailureQueue {
  constructor(private readonly options: SqsStreamFailureQueueOptions) {}

  /** Up to `max` messages, each held for `holdSeconds`; every one is seen at most once. */
  async receive(max: number): Promise<ReceivedStreamFailure[]> {
    const seen = new Map<string, ReceivedStreamFailure>();
    while (seen.size < max) {
      const { Messages = [] } = await this.options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(MAX_BATCH, max - seen.size),
          VisibilityTimeout: this.options.holdSeconds ?? 60,
          WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        if (!message.MessageId || !message.ReceiptHandle || seen.has(message.MessageId)) continue;
        seen.set(message.MessageId, {
          messageId: message.MessageId,
          receiptHandle: message.ReceiptHandle,
          ...parse(message.Body ?? ''),
        });
      }
    }
    return [...seen.values()];
  }

  /** Visible again at once, for the next listing or replay. */
  async release(messages: ReceivedStreamFailure[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_BATCH) {
      await this.options.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: messages.slice(i, i + MAX_BATCH).map((m, index) => ({
            Id: String(index),
            ReceiptHandle: m.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  async delete(message: ReceivedStreamFailure): Promise<void> {
    await this.options.client.send(
      new DeleteMessageCommand({
        QueueUrl: this.options.queueUrl,
        ReceiptHandle: message.receiptHandle,
      }),
    );
  }
}

const parse = (body: string): Pick<ReceivedStreamFailure, 'record' | 'bodyError'> => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { bodyError: 'the body is not JSON' };
  }
  const parsed = StreamFailureRecord.safeParse(json);
  return parsed.success
    ? { record: parsed.data }
    : { bodyError: `not a stream failure record: ${z.prettifyError(parsed.error)}` };
};
