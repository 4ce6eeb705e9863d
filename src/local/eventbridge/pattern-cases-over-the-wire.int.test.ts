import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEmulator, startSqsEmulator } from '../sqs-emulator.js';
import { MATCH_CASES, REFUSAL_CASES } from './event-pattern-cases.js';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './stand-in.js';

/** The fields TestEventPattern requires of an event; a case's own fields take precedence. */
const ENVELOPE = {
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  account: '123456789012',
  source: 'com.example',
  time: '2024-05-06T07:08:09Z',
  region: 'us-east-1',
  resources: [],
  'detail-type': 'Example',
};

/**
 * The table of pattern cases (from AWS's documentation) asked of the stand-in as a client
 * asks EventBridge: `TestEventPattern` through the SDK, over the wire.
 */
describe('EventBridge stand-in: the pattern cases through TestEventPattern', () => {
  let sqs: SqsEmulator;
  let sqsClient: SQSClient;
  let bus: EventBridgeStandIn;
  let events: EventBridgeClient;

  beforeAll(async () => {
    sqs = await startSqsEmulator({ region: 'us-east-1' });
    sqsClient = new SQSClient(sqs.clientConfig);
    bus = await startEventBridgeStandIn({ sqs: sqsClient, region: sqs.region, eventBuses: [] });
    events = new EventBridgeClient({ ...bus.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    events?.destroy();
    await bus?.stop();
    sqsClient?.destroy();
    await sqs?.stop();
  });

  it.each(MATCH_CASES.map((c) => [c.name, c] as const))('answers %s', async (_name, c) => {
    const answer = await events.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify(c.pattern),
        Event: JSON.stringify({ ...ENVELOPE, ...c.event }),
      }),
    );
    expect(answer.Result).toBe(c.matches);
  });

  it.each(REFUSAL_CASES.map((c) => [c.name, c] as const))('refuses %s', async (_name, c) => {
    const refusal = await events
      .send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify(c.pattern),
          Event: JSON.stringify(ENVELOPE),
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => error as { name: string; message: string },
      );
    expect(refusal?.name).toBe('InvalidEventPatternException');
    expect(refusal?.message).toBe(`Event pattern is not valid. Reason: ${c.reason}`);
  });
});
