import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import { type Logger, silentLogger } from '../core/ports.js';
import { Backoff, type BackoffPolicy } from '../core/retry.js';

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  /** Parallel receive-handle-delete loops, like Lambda's concurrent pollers. */
  concurrency?: number;
  /** Messages per batch, 1 to 10. */
  batchSize?: number;
  /**
   * Long-poll wait (1 s): a receive returns as soon as a message arrives, or empty after
   * this long, so an idle worker makes one call per wait. `waitUntilIdle` takes at least
   * one wait, and `stop()` at most one.
   */
  waitTimeSeconds?: number;
  /**
   * After a receive that found nothing, pause this long before the next one (0, the
   * default: receive again at once). `wake()` ends the pause, so a process that knows it
   * just sent a message need not wait, and an idle poller makes a call per pause instead of
   * holding a long poll open (fauxqs runs a timer for every waiting long poll).
   */
  idlePauseMs?: number;
  /** Overrides the queue's visibility timeout for received messages. */
  visibilityTimeoutSeconds?: number;
  logger?: Logger;
}

export interface SqsPoller {
  start(): Promise<void>;
  /** Stops receiving; resolves when the batches in flight are handled and deleted. */
  stop(): Promise<void>;
  /**
   * Resolves once every worker's latest receive began after the call and found no visible
   * message, with no batch in flight (so it takes at least one long-poll wait). Messages waiting out a visibility timeout do not count as work.
   */
  waitUntilIdle(timeoutMs?: number): Promise<void>;
  /** A message was just sent: receive now instead of at the end of an idle pause. */
  wake(): void;
}

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Pause after a receive that failed (the emulator down, say); workers spread out. */
const RECEIVE_RETRY: BackoffPolicy = { initialDelayMs: 200, maxDelayMs: 5000, jitter: 'full' };

const toLambdaMessageAttributes = (message: Message): SQSMessageAttributes =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined
          ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
          : {}),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  );

/** A received message as the Lambda SQS event source mapping delivers it. */
export const toLambdaSqsRecord = (
  message: Message,
  queueArn: string,
  region: string,
): SQSRecord => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: (message.Attributes ?? {}) as unknown as SQSRecordAttributes,
  messageAttributes: toLambdaMessageAttributes(message),
  md5OfBody: message.MD5OfBody ?? '',
  ...(message.MD5OfMessageAttributes
    ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
    : {}),
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: region,
});

/**
 * Receives from a queue and calls a Lambda SQS handler with the same events and the same
 * rules as an event source mapping with `ReportBatchItemFailures`: messages listed in
 * `batchItemFailures` stay on the queue (and reach the dead-letter queue through the redrive
 * policy), the rest are deleted; a thrown error or an unknown identifier deletes nothing.
 */
export const createSqsPoller = (options: SqsPollerOptions): SqsPoller => {
  const concurrency = Math.max(options.concurrency ?? 1, 1);
  const batchSize = Math.min(Math.max(options.batchSize ?? 10, 1), 10);
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;
  const idlePauseMs = Math.max(options.idlePauseMs ?? 0, 0);
  const logger = options.logger ?? silentLogger;
  const { client, queueUrl, handler } = options;

  let running = false;
  let workers: Promise<void>[] = [];
  let queueArn = '';
  let region = 'us-east-1';
  let inFlight = 0;
  let receiveNumber = 0;
  /** Per worker: number of its latest receive if that came back empty, else 0. */
  let lastEmptyReceive: number[] = [];
  let waiters: { after: number; resolve: () => void }[] = [];
  const wakers = new Set<() => void>();
  /** Set by `wake()`; a receive that starts afterwards sees what the waker sent. */
  let woken = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });

  const failedIds = (messages: Message[], response: SQSBatchResponse | undefined) => {
    const ids = new Set(messages.map((m) => m.MessageId));
    const failed = new Set<string>();
    for (const failure of response?.batchItemFailures ?? []) {
      // Lambda treats an identifier that names no message as a failure of the whole batch.
      if (!failure.itemIdentifier || !ids.has(failure.itemIdentifier)) return null;
      failed.add(failure.itemIdentifier);
    }
    return failed;
  };

  const deleteMessages = async (messages: Message[]): Promise<void> => {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const { Failed } = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      if (Failed?.length) {
        // The message will come back after its visibility timeout: at least once, as on AWS.
        logger.warn('deleting handled messages failed', { failed: Failed });
      }
    }
  };

  const handleBatch = async (messages: Message[]): Promise<void> => {
    const event: SQSEvent = {
      Records: messages.map((m) => toLambdaSqsRecord(m, queueArn, region)),
    };
    let failed: Set<string> | null;
    try {
      failed = failedIds(messages, await handler(event));
    } catch (error) {
      logger.warn('queue handler threw; the batch stays on the queue', {
        messages: messages.length,
        error: errorMessage(error),
      });
      return;
    }
    if (failed === null) {
      logger.warn('queue handler reported an unknown message id; the batch stays on the queue');
      return;
    }
    if (failed.size > 0) logger.warn('queue handler reported failures', { failed: [...failed] });
    await deleteMessages(messages.filter((m) => !failed.has(m.MessageId ?? '')));
  };

  const notifyIdle = () => {
    if (inFlight > 0) return;
    const quietSince = Math.min(...lastEmptyReceive);
    const ready = waiters.filter((w) => w.after < quietSince);
    waiters = waiters.filter((w) => w.after >= quietSince);
    for (const waiter of ready) waiter.resolve();
  };

  const work = async (worker: number): Promise<void> => {
    const failures = new Backoff(RECEIVE_RETRY);
    while (running) {
      const current = ++receiveNumber;
      woken = false;
      let messages: Message[];
      try {
        const response = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            ...(options.visibilityTimeoutSeconds !== undefined
              ? { VisibilityTimeout: options.visibilityTimeoutSeconds }
              : {}),
            // Both names: older endpoints know only AttributeNames.
            AttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = response.Messages ?? [];
        failures.reset();
      } catch (error) {
        if (!running) return;
        const delay = failures.nextDelay() ?? RECEIVE_RETRY.maxDelayMs;
        logger.warn('receiving from the queue failed; retrying', {
          error: errorMessage(error),
          attempts: failures.attempts,
        });
        await sleep(delay);
        continue;
      }
      if (messages.length === 0) {
        lastEmptyReceive[worker] = current;
        notifyIdle();
        // A wake that came during the receive is not lost: the next receive goes at once.
        if (idlePauseMs > 0 && running && !woken) await sleep(idlePauseMs);
        continue;
      }
      lastEmptyReceive[worker] = 0;
      // Handled even when stopping: received messages would otherwise hide until they time out.
      inFlight++;
      try {
        await handleBatch(messages);
      } catch (error) {
        logger.error('handling a queue batch failed', { error: errorMessage(error) });
      } finally {
        inFlight--;
      }
    }
  };

  return {
    async start() {
      if (running) return;
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      queueArn = Attributes?.QueueArn ?? '';
      region = await client.config.region();
      running = true;
      lastEmptyReceive = Array.from({ length: concurrency }, () => 0);
      workers = lastEmptyReceive.map((_, worker) => work(worker));
    },
    wake() {
      woken = true;
      for (const wake of [...wakers]) wake();
    },
    async stop() {
      running = false;
      for (const wake of [...wakers]) wake();
      await Promise.all(workers);
      workers = [];
    },
    waitUntilIdle(timeoutMs = 10_000) {
      if (!running) return Promise.reject(new Error('The queue poller is not running'));
      const idle = new Promise<void>((resolve, reject) => {
        const waiter = {
          after: receiveNumber,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`The queue poller was not idle within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
      // Idleness is judged by a receive after the call: start one now, not after a pause.
      for (const wake of [...wakers]) wake();
      return idle;
    },
  };
};
