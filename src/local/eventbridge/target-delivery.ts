import {
  GetQueueUrlCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { StoredRule, StoredTarget } from './catalog.js';

/** One event on its way to one target. */
export interface Delivery {
  rule: StoredRule;
  target: StoredTarget;
  /** The SQS body: the event JSON, with `detail` as it was sent. */
  body: string;
  traceHeader?: string;
  /** When the bus accepted the event: the retry policy's event age counts from here. */
  acceptedAt: number;
}

export interface DeliveryCounters {
  delivered: number;
  deadLettered: number;
  dropped: number;
}

export interface TargetDeliveryOptions {
  sqs: SQSClient;
  counters: DeliveryCounters;
  /** Backoff between retries: doubling from `baseMs`, capped at `maxMs`, with jitter. */
  retryDelay?: { baseMs: number; maxMs: number };
  now?: () => number;
}

/** Errors EventBridge does not retry: the target is gone or may not be written. */
const NOT_RETRIED = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'AccessDenied',
  'AccessDeniedException',
  'KmsAccessDenied',
  'KmsDisabled',
]);

const errorCode = (error: unknown): string =>
  error instanceof Error && error.name !== 'Error' ? error.name : 'InternalFailure';

const stringAttribute = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value,
});

/**
 * Delivers events to SQS targets as EventBridge does: a failed send is retried with backoff
 * until the target's retry policy runs out (attempts or event age), or at once for an error
 * EventBridge does not retry; then the event goes to the target's dead-letter queue with
 * AWS's attributes, or is dropped when there is none.
 */
export class TargetDelivery {
  private readonly queueUrls = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<void>>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly options: TargetDeliveryOptions) {
    this.baseMs = options.retryDelay?.baseMs ?? 1000;
    this.maxMs = options.retryDelay?.maxMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The first attempt, awaited, so a healthy target has the message before PutEvents answers;
   * retries run in the background, as on AWS, where the entry is accepted either way.
   */
  async deliver(delivery: Delivery): Promise<void> {
    await this.attempt(delivery, 0);
  }

  /** How many deliveries are waiting for a retry. */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Resolves once no delivery waits for a retry; rejects after `timeoutMs`. */
  async waitUntilSettled(timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (this.pending.size > 0) {
      const left = deadline - this.now();
      if (left <= 0) throw new Error(`${this.pending.size} bus deliveries are still being retried`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.pending]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  /** Cancels the retries still waiting; their events are lost, as the stand-in keeps them in memory. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(delivery: Delivery, retries: number): Promise<void> {
    try {
      await this.send(delivery.target.arn, delivery.target.queueUrl, delivery);
      this.options.counters.delivered++;
      return;
    } catch (error) {
      const code = errorCode(error);
      const message = error instanceof Error ? error.message : String(error);
      if (NOT_RETRIED.has(code)) return this.deadLetter(delivery, code, message, retries);
      const policy = delivery.target.retryPolicy;
      if (retries >= policy.maximumRetryAttempts)
        return this.deadLetter(delivery, code, message, retries, 'MaximumRetryAttemptsExhausted');
      const delay = this.delayBefore(retries + 1);
      if (this.now() + delay - delivery.acceptedAt > policy.maximumEventAgeInSeconds * 1000)
        return this.deadLetter(delivery, code, message, retries, 'MaximumEventAgeExhausted');
      this.retryLater(delivery, retries + 1, delay);
    }
  }

  private retryLater(delivery: Delivery, retries: number, delay: number): void {
    if (this.stopped) return;
    let settle = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.pending.add(done);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(delivery, retries).finally(() => {
        this.pending.delete(done);
        settle();
      });
    }, delay);
    this.timers.add(timer);
  }

  private delayBefore(retry: number): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** (retry - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private async deadLetter(
    delivery: Delivery,
    code: string,
    message: string,
    retries: number,
    exhausted?: string,
  ): Promise<void> {
    const { target, rule } = delivery;
    if (target.deadLetterArn === undefined) {
      this.options.counters.dropped++;
      return;
    }
    try {
      await this.send(target.deadLetterArn, undefined, delivery, {
        RULE_ARN: stringAttribute(rule.arn),
        TARGET_ARN: stringAttribute(target.arn),
        ERROR_CODE: stringAttribute(code),
        ERROR_MESSAGE: stringAttribute(message.slice(0, 1000) || code),
        ...(exhausted === undefined
          ? {}
          : { EXHAUSTED_RETRY_CONDITION: stringAttribute(exhausted) }),
        RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(retries) },
      });
      this.options.counters.deadLettered++;
    } catch {
      this.options.counters.dropped++;
    }
  }

  private async send(
    arn: string,
    knownUrl: string | undefined,
    delivery: Delivery,
    attributes?: Record<string, MessageAttributeValue>,
  ): Promise<void> {
    const queueUrl = knownUrl ?? (await this.queueUrlOf(arn));
    try {
      await this.options.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: delivery.body,
          ...(attributes ? { MessageAttributes: attributes } : {}),
          // SQS's own field for a trace header; fauxqs drops it (see docs/local-runtime.md).
          ...(delivery.traceHeader === undefined
            ? {}
            : {
                MessageSystemAttributes: {
                  AWSTraceHeader: { DataType: 'String', StringValue: delivery.traceHeader },
                },
              }),
        }),
      );
    } catch (error) {
      // A queue deleted and created again has the same ARN and may have another URL.
      this.queueUrls.delete(arn);
      throw error;
    }
  }

  /** The URL of a queue of the SQS emulator, from its ARN, as EventBridge resolves a target. */
  private async queueUrlOf(arn: string): Promise<string> {
    const known = this.queueUrls.get(arn);
    if (known) return known;
    const [, , , , account = '', name = ''] = arn.split(':');
    const { QueueUrl } = await this.options.sqs.send(
      new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
    );
    if (!QueueUrl) throw new Error(`no URL for queue ${arn}`);
    this.queueUrls.set(arn, QueueUrl);
    return QueueUrl;
  }
}
