import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './eventbridge-standin.js';
import { type SqsEmulator, startSqsEmulator } from './sqs-emulator.js';

const BUS = 'customer-events';
const SOURCE = 'customer.service';

describe('EventBridge stand-in', () => {
  let sqs: SqsEmulator;
  let sqsClient: SQSClient;
  let bus: EventBridgeStandIn;
  let events: EventBridgeClient;

  const drain = async (): Promise<Message[]> => {
    const all: Message[] = [];
    for (;;) {
      const { Messages } = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl, MaxNumberOfMessages: 10 }),
      );
      if (!Messages?.length) return all;
      all.push(...Messages);
    }
  };

  beforeAll(async () => {
    sqs = await startSqsEmulator();
    sqsClient = new SQSClient(sqs.clientConfig);
    bus = await startEventBridgeStandIn({
      sqs: sqsClient,
      region: sqs.region,
      rules: [
        {
          name: 'to-projection',
          eventBusName: BUS,
          eventPattern: { source: [SOURCE] },
          targets: [{ id: 'queue', queueUrl: sqs.queueUrl }],
        },
      ],
    });
    events = new EventBridgeClient({ ...bus.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    events?.destroy();
    await bus?.stop();
    sqsClient?.destroy();
    await sqs?.stop();
  });
  beforeEach(async () => {
    bus.failNextEntries(0);
    await sqsClient.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrl }));
  });

  const entry = (n: number, extra: Record<string, unknown> = {}) => ({
    EventBusName: BUS,
    Source: SOURCE,
    DetailType: 'CustomerRegistered',
    Detail: JSON.stringify({ aggregateId: `c-${n}`, version: n }),
    ...extra,
  });

  it('delivers PutEvents from the SDK to the queue with the body of an EventBridge SQS target', async () => {
    const time = new Date('2024-05-06T07:08:09.123Z');
    const result = await events.send(new PutEventsCommand({ Entries: [entry(1, { Time: time })] }));
    expect(result.FailedEntryCount).toBe(0);
    const eventId = result.Entries?.[0]?.EventId;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    const messages = await drain();
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]?.Body ?? '')).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'CustomerRegistered',
      source: SOURCE,
      account: '000000000000',
      time: '2024-05-06T07:08:09Z',
      region: sqs.region,
      resources: [],
      detail: { aggregateId: 'c-1', version: 1 },
    });
  });

  it('routes only entries that match a rule, and still accepts the others', async () => {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          entry(1, { Source: 'someone.else' }),
          entry(2),
          entry(3, { EventBusName: 'default' }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    const bodies = (await drain()).map((m) => JSON.parse(m.Body ?? '').detail);
    expect(bodies).toEqual([{ aggregateId: 'c-2', version: 2 }]);
  });

  it('reports injected failures per entry and delivers only the accepted ones', async () => {
    bus.failNextEntries(2);
    const result = await events.send(
      new PutEventsCommand({ Entries: [entry(1), entry(2), entry(3)] }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'InternalFailure',
      'InternalFailure',
      'ok',
    ]);
    const bodies = (await drain()).map((m) => JSON.parse(m.Body ?? '').detail.version);
    expect(bodies).toEqual([3]);
  });

  it('validates entries as EventBridge does', async () => {
    const perEntry = await events.send(
      new PutEventsCommand({
        Entries: [
          entry(1, { Detail: 'not json' }),
          entry(2, { Detail: '[1]' }),
          { Source: SOURCE },
        ],
      }),
    );
    expect(perEntry.FailedEntryCount).toBe(3);
    expect(perEntry.Entries?.map((e) => e.ErrorCode)).toEqual([
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
    ]);

    const eleven = Array.from({ length: 11 }, (_, i) => entry(i));
    await expect(events.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const big = entry(1, { Detail: JSON.stringify({ pad: 'x'.repeat(256 * 1024) }) });
    await expect(events.send(new PutEventsCommand({ Entries: [big] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(await drain()).toEqual([]);
  });

  it('answers unknown actions with the AWS JSON error shape', async () => {
    const response = await fetch(bus.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSEvents.CreateApiDestination',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'UnknownOperationException',
      message: expect.stringContaining('AWSEvents.CreateApiDestination'),
    });
    expect(await drain()).toEqual([]);
  });

  it('fails whole requests on demand, then serves again', async () => {
    bus.failNextRequests(1, 'ThrottlingException');
    await expect(events.send(new PutEventsCommand({ Entries: [entry(1)] }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    const result = await events.send(new PutEventsCommand({ Entries: [entry(2)] }));
    expect(result.FailedEntryCount).toBe(0);
    expect((await drain()).map((m) => JSON.parse(m.Body ?? '').detail.version)).toEqual([2]);
  });

  it('refuses connections while paused and works again after resume', async () => {
    const acceptedBefore = bus.stats().accepted;
    await bus.pause();
    // A pooled keep-alive socket may see the reset first; a fresh connection is refused.
    const codes: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const error = await events
        .send(new PutEventsCommand({ Entries: [entry(1)] }))
        .catch((e) => e);
      codes.push((error as { code?: unknown }).code);
    }
    expect(codes.at(-1)).toBe('ECONNREFUSED');
    expect(bus.stats().accepted).toBe(acceptedBefore);
    await bus.resume();
    const result = await events.send(new PutEventsCommand({ Entries: [entry(2)] }));
    expect(result.FailedEntryCount).toBe(0);
    expect((await drain()).map((m) => JSON.parse(m.Body ?? '').detail.version)).toEqual([2]);
  });
});
