import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SendMessageCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEmulator, startSqsEmulator } from '../sqs-emulator.js';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './stand-in.js';

const BUS = 'customer-events';

describe('EventBridge stand-in: delivery retries, dead letters and trace headers', () => {
  let sqs: SqsEmulator;
  let reader: SQSClient;
  /** The stand-in's client: sends to a queue fail while its count of failures lasts. */
  let flaky: SQSClient;
  const failuresLeft = new Map<string, number>();
  const sent: SendMessageCommandInput[] = [];
  let bus: EventBridgeStandIn;
  let events: EventBridgeClient;
  const queues: Record<'broken' | 'flaky' | 'traced' | 'dlq', { url: string; arn: string }> = {
    broken: { url: '', arn: '' },
    flaky: { url: '', arn: '' },
    traced: { url: '', arn: '' },
    dlq: { url: '', arn: '' },
  };

  const receiveAll = async (queueUrl: string): Promise<Message[]> => {
    const all: Message[] = [];
    for (;;) {
      const { Messages } = await reader.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      if (!Messages?.length) return all;
      all.push(...Messages);
    }
  };

  beforeAll(async () => {
    sqs = await startSqsEmulator();
    reader = new SQSClient(sqs.clientConfig);
    for (const name of Object.keys(queues) as (keyof typeof queues)[]) {
      const { QueueUrl = '' } = await reader.send(new CreateQueueCommand({ QueueName: name }));
      const { Attributes } = await reader.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      queues[name] = { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
    }
    flaky = new SQSClient(sqs.clientConfig);
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageCommand') {
          const input = args.input as SendMessageCommandInput;
          sent.push(input);
          const left = failuresLeft.get(input.QueueUrl ?? '') ?? 0;
          if (left > 0) {
            failuresLeft.set(input.QueueUrl ?? '', left - 1);
            throw Object.assign(new Error('We encountered an internal error.'), {
              name: 'InternalError',
            });
          }
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const target = (name: 'broken' | 'flaky' | 'traced') => ({
      id: name,
      arn: queues[name].arn,
      queueUrl: queues[name].url,
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
      deadLetterArn: queues.dlq.arn,
    });
    bus = await startEventBridgeStandIn({
      sqs: flaky,
      region: sqs.region,
      retryDelay: { baseMs: 10, maxMs: 40 },
      rules: (['broken', 'flaky', 'traced'] as const).map((name) => ({
        name,
        eventBusName: BUS,
        eventPattern: { 'detail-type': [name] },
        targets: [target(name)],
      })),
    });
    events = new EventBridgeClient({ ...bus.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    events?.destroy();
    await bus?.stop();
    flaky?.destroy();
    reader?.destroy();
    await sqs?.stop();
  });

  const put = (detailType: string, extra: Record<string, unknown> = {}) =>
    events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: BUS,
            Source: 'customer.service',
            DetailType: detailType,
            Detail: '{}',
            ...extra,
          },
        ],
      }),
    );

  it('a delivery that keeps failing is retried by the policy, then lands in the dead-letter queue', async () => {
    failuresLeft.set(queues.broken.url, 1000);
    const result = await put('broken');
    // Accepted, as on AWS: delivery is the bus's business from here on.
    expect(result.FailedEntryCount).toBe(0);
    await bus.waitUntilDelivered(30_000);
    expect(sent.filter((input) => input.QueueUrl === queues.broken.url)).toHaveLength(3);
    const dead = await receiveAll(queues.dlq.url);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.Body ?? '').id).toBe(result.Entries?.[0]?.EventId);
    const attributes = dead[0]?.MessageAttributes ?? {};
    expect(attributes.ERROR_CODE?.StringValue).toBe('InternalError');
    expect(attributes.RETRY_ATTEMPTS?.StringValue).toBe('2');
    expect(attributes.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe('MaximumRetryAttemptsExhausted');
    expect(attributes.TARGET_ARN?.StringValue).toBe(queues.broken.arn);
    expect(await receiveAll(queues.broken.url)).toEqual([]);
    expect(bus.stats().deadLettered).toBe(1);
  });

  it('a delivery that fails for a while arrives once, and nothing goes to the dead-letter queue', async () => {
    failuresLeft.set(queues.flaky.url, 2);
    const result = await put('flaky');
    expect(result.FailedEntryCount).toBe(0);
    await bus.waitUntilDelivered(30_000);
    const delivered = await receiveAll(queues.flaky.url);
    expect(delivered.map((m) => JSON.parse(m.Body ?? '').id)).toEqual([
      result.Entries?.[0]?.EventId,
    ]);
    expect(await receiveAll(queues.dlq.url)).toEqual([]);
  });

  it('passes TraceHeader to SQS as the AWSTraceHeader system attribute', async () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    await put('traced', { TraceHeader: header });
    const send = sent.find((input) => input.QueueUrl === queues.traced.url);
    expect(send?.MessageSystemAttributes?.AWSTraceHeader).toEqual({
      DataType: 'String',
      StringValue: header,
    });
    expect(await receiveAll(queues.traced.url)).toHaveLength(1);
  });
});
