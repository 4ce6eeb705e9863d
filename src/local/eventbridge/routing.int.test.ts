import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectionRule } from '../../adapters/eventbridge/projection-rule.js';
import { AGGREGATES } from '../../composition/aggregates.js';
import { type SqsEmulator, startSqsEmulator } from '../sqs-emulator.js';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './stand-in.js';

const BUS = 'customer-events';
const OTHER_BUS = 'other-bus';
const SOURCE = 'customer.service';

/** The body of each message on the queue, parsed, as the projector would read it. */
type Delivered = { id: string; source: string; 'detail-type': string; detail: { n: number } };

describe('EventBridge stand-in: routing by event pattern to SQS', () => {
  let sqs: SqsEmulator;
  let sqsClient: SQSClient;
  let auditQueueUrl: string;
  let bus: EventBridgeStandIn;
  let events: EventBridgeClient;

  const drain = async (queueUrl: string): Promise<Delivered[]> => {
    const all: Delivered[] = [];
    for (;;) {
      const { Messages } = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      if (!Messages?.length) return all.sort((a, b) => a.detail.n - b.detail.n);
      all.push(...Messages.map((m) => JSON.parse(m.Body ?? '') as Delivered));
    }
  };

  beforeAll(async () => {
    sqs = await startSqsEmulator();
    sqsClient = new SQSClient(sqs.clientConfig);
    const created = await sqsClient.send(new CreateQueueCommand({ QueueName: 'audit' }));
    auditQueueUrl = created.QueueUrl ?? '';
    const { Attributes } = await sqsClient.send(
      new GetQueueAttributesCommand({ QueueUrl: auditQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const audit = { id: 'audit', arn: Attributes?.QueueArn, queueUrl: auditQueueUrl };
    bus = await startEventBridgeStandIn({
      sqs: sqsClient,
      region: sqs.region,
      rules: [
        {
          ...projectionRule({ source: SOURCE, aggregates: AGGREGATES }),
          eventBusName: BUS,
          targets: [{ id: 'Target0', arn: sqs.queueArn, queueUrl: sqs.queueUrl }],
        },
        {
          name: 'late-versions-but-reactivations',
          eventBusName: BUS,
          eventPattern: {
            source: [SOURCE],
            'detail-type': [{ 'anything-but': 'CustomerReactivated' }],
            detail: { n: [{ numeric: ['>=', 10] }] },
          },
          targets: [audit],
        },
        {
          name: 'everything-but-disabled',
          eventBusName: BUS,
          eventPattern: { source: [{ prefix: 'customer' }] },
          targets: [audit],
          state: 'DISABLED',
        },
        {
          name: 'other-bus-to-audit',
          eventBusName: OTHER_BUS,
          eventPattern: { source: [SOURCE] },
          targets: [audit],
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
    await sqsClient.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrl }));
    await sqsClient.send(new PurgeQueueCommand({ QueueUrl: auditQueueUrl }));
  });

  const entry = (n: number, extra: Record<string, unknown> = {}) => ({
    EventBusName: BUS,
    Source: SOURCE,
    DetailType: 'CustomerRegistered',
    Detail: JSON.stringify({ n }),
    ...extra,
  });

  it('the projection queue gets the matching event, and never another source, type or bus', async () => {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          entry(1),
          entry(2, { Source: 'someone.else' }),
          entry(3, { DetailType: 'OrderPlaced' }),
          entry(4, { EventBusName: OTHER_BUS }),
          entry(5, { EventBusName: 'default' }),
          entry(6, { DetailType: 'CustomerSuspended' }),
        ],
      }),
    );
    // Entries nobody routes are still accepted, as on EventBridge.
    expect(result.FailedEntryCount).toBe(0);
    const projected = await drain(sqs.queueUrl);
    expect(projected.map((e) => [e.detail.n, e['detail-type']])).toEqual([
      [1, 'CustomerRegistered'],
      [6, 'CustomerSuspended'],
    ]);
    expect(projected.map((e) => e.id)).toEqual([
      result.Entries?.[0]?.EventId,
      result.Entries?.[5]?.EventId,
    ]);
    // The other bus has its own rule: its event went there, and only there.
    expect((await drain(auditQueueUrl)).map((e) => e.detail.n)).toEqual([4]);
  });

  it('content filtering: numeric and anything-but decide, a disabled rule delivers nothing', async () => {
    await events.send(
      new PutEventsCommand({
        Entries: [
          entry(3),
          entry(10),
          entry(11, { DetailType: 'CustomerReactivated' }),
          entry(12, { DetailType: 'CustomerEmailUpdated' }),
        ],
      }),
    );
    expect((await drain(auditQueueUrl)).map((e) => [e.detail.n, e['detail-type']])).toEqual([
      [10, 'CustomerRegistered'],
      [12, 'CustomerEmailUpdated'],
    ]);
    expect((await drain(sqs.queueUrl)).map((e) => e.detail.n)).toEqual([3, 10, 11, 12]);
    expect(bus.stats().delivered).toBeGreaterThan(0);
  });

  it('an event two rules match reaches both queues as one event (same id, same body)', async () => {
    const result = await events.send(new PutEventsCommand({ Entries: [entry(20)] }));
    const [projected] = await drain(sqs.queueUrl);
    const [audited] = await drain(auditQueueUrl);
    expect(projected).toEqual(audited);
    expect(projected?.id).toBe(result.Entries?.[0]?.EventId);
  });

  it('an unknown bus fails its entry with ResourceNotFoundException; the others go through', async () => {
    const before = bus.stats();
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          entry(7, { EventBusName: 'no-such-bus' }),
          entry(8, {
            EventBusName: `arn:aws:events:${sqs.region}:000000000000:event-bus/no-such-bus`,
          }),
          entry(9),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.slice(0, 2)).toEqual([
      {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: 'Event bus no-such-bus does not exist.',
      },
      {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: 'Event bus no-such-bus does not exist.',
      },
    ]);
    expect((await drain(sqs.queueUrl)).map((e) => e.detail.n)).toEqual([9]);
    expect(await drain(auditQueueUrl)).toEqual([]);
    const after = bus.stats();
    expect([after.accepted - before.accepted, after.failed - before.failed]).toEqual([1, 2]);
  });

  it('a rule added later routes from then on', async () => {
    bus.addRule({
      name: 'suspensions-on-default',
      eventBusName: 'default',
      eventPattern: { 'detail-type': ['CustomerSuspended'], source: [{ prefix: 'customer.' }] },
      targets: [{ id: 'audit', queueUrl: auditQueueUrl }],
    });
    await events.send(
      new PutEventsCommand({
        Entries: [
          entry(40, { EventBusName: 'default', DetailType: 'CustomerSuspended' }),
          entry(41, { EventBusName: 'default' }),
        ],
      }),
    );
    expect((await drain(auditQueueUrl)).map((e) => e.detail.n)).toEqual([40]);
    expect(await drain(sqs.queueUrl)).toEqual([]);
  });
});
