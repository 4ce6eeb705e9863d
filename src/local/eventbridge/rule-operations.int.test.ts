import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEmulator, startSqsEmulator } from '../sqs-emulator.js';
import { UnreadableRuleFileError } from './rule-file.js';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './stand-in.js';

const BUS = 'customer-events';
const SOURCE = 'customer.service';

const registration = (detail: string) => ({
  EventBusName: BUS,
  Source: SOURCE,
  DetailType: 'CustomerRegistered',
  Detail: detail,
});

const sampleEvent = (detailType: string) =>
  JSON.stringify({
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': detailType,
    source: SOURCE,
    account: '123456789012',
    time: '2024-05-06T07:08:09Z',
    region: 'us-east-1',
    resources: [],
    detail: { version: 3 },
  });

describe('EventBridge stand-in: rules and targets through the SDK', () => {
  let sqs: SqsEmulator;
  let sqsClient: SQSClient;
  let dataDir: string;
  let bus: EventBridgeStandIn;
  let events: EventBridgeClient;
  let queueCount = 0;

  const startBus = async () => {
    bus = await startEventBridgeStandIn({
      sqs: sqsClient,
      region: sqs.region,
      eventBuses: [BUS],
      dataDir,
      retryDelay: { baseMs: 10, maxMs: 20 },
    });
    events = new EventBridgeClient({ ...bus.clientConfig, maxAttempts: 1 });
  };
  const stopBus = async () => {
    events?.destroy();
    await bus?.stop();
  };

  const newQueue = async (): Promise<{ url: string; arn: string }> => {
    const { QueueUrl = '' } = await sqsClient.send(
      new CreateQueueCommand({ QueueName: `consumer-${++queueCount}` }),
    );
    const { Attributes } = await sqsClient.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
  };

  const receiveAll = async (queueUrl: string): Promise<Message[]> => {
    const all: Message[] = [];
    for (;;) {
      const { Messages } = await sqsClient.send(
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

  const addRule = async (name: string, queueArn: string, extra: Record<string, unknown> = {}) => {
    await events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: BUS,
        EventPattern: JSON.stringify({ source: [SOURCE], 'detail-type': ['CustomerRegistered'] }),
      }),
    );
    const put = await events.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: BUS,
        Targets: [{ Id: 'queue', Arn: queueArn, ...extra }],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
  };

  beforeAll(async () => {
    sqs = await startSqsEmulator();
    sqsClient = new SQSClient(sqs.clientConfig);
    dataDir = await mkdtemp(join(tmpdir(), 'eventbridge-rules-'));
    await startBus();
  });
  afterAll(async () => {
    await stopBus();
    sqsClient?.destroy();
    await sqs?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a rule added with PutRule and PutTargets receives a registration in its queue', async () => {
    const queue = await newQueue();
    await addRule('new-consumer', queue.arn);

    const described = await events.send(
      new DescribeRuleCommand({ Name: 'new-consumer', EventBusName: BUS }),
    );
    expect(described).toMatchObject({ Name: 'new-consumer', State: 'ENABLED', EventBusName: BUS });
    const { Targets } = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'new-consumer', EventBusName: BUS }),
    );
    expect(Targets).toEqual([{ Id: 'queue', Arn: queue.arn }]);

    const put = await events.send(
      new PutEventsCommand({ Entries: [registration('{"customerId":"c-1"}')] }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const bodies = (await receiveAll(queue.url)).map((m) => JSON.parse(m.Body ?? ''));
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      id: put.Entries?.[0]?.EventId,
      source: SOURCE,
      'detail-type': 'CustomerRegistered',
      detail: { customerId: 'c-1' },
    });
  });

  it('delivers detail as sent: big integers, 1.0, key order and repeated keys, byte for byte', async () => {
    const queue = await newQueue();
    await addRule('exact-detail', queue.arn);
    const detail = '{"z": 9007199254740993, "a": 1.0, "a": -0.0e0, "nested": {"b": 1, "a": 2}}';
    await events.send(new PutEventsCommand({ Entries: [registration(detail)] }));
    const [message] = await receiveAll(queue.url);
    expect(message?.Body?.endsWith(`,"detail":${detail}}`)).toBe(true);
    expect(message?.Body).toContain('9007199254740993');
  });

  it('TestEventPattern answers true and false, and rejects an invalid pattern', async () => {
    const pattern = JSON.stringify({ 'detail-type': ['CustomerRegistered'] });
    const matched = await events.send(
      new TestEventPatternCommand({
        EventPattern: pattern,
        Event: sampleEvent('CustomerRegistered'),
      }),
    );
    expect(matched.Result).toBe(true);
    const missed = await events.send(
      new TestEventPatternCommand({ EventPattern: pattern, Event: sampleEvent('CustomerRenamed') }),
    );
    expect(missed.Result).toBe(false);
    await expect(
      events.send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify({ source: 'not-an-array' }),
          Event: sampleEvent('CustomerRegistered'),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
    await expect(
      events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: '{"source":"x"}' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers with the errors AWS names', async () => {
    const queue = await newQueue();
    await addRule('guarded', queue.arn);
    await expect(
      events.send(new DescribeRuleCommand({ Name: 'nowhere', EventBusName: BUS })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      events.send(
        new PutRuleCommand({ Name: 'r', EventBusName: 'no-such-bus', EventPattern: '{"a":["b"]}' }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      events.send(new PutRuleCommand({ Name: 'r', EventBusName: BUS, EventPattern: '{"a":[]}' })),
    ).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
    await expect(
      events.send(new PutRuleCommand({ Name: 'bad name!', EventBusName: BUS, EventPattern: '{}' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      events.send(new DeleteRuleCommand({ Name: 'guarded', EventBusName: BUS })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Rule can't be deleted since it has targets.",
    });
    await expect(
      events.send(
        new PutTargetsCommand({
          Rule: 'guarded',
          EventBusName: BUS,
          Targets: ['a', 'b', 'c', 'd', 'e'].map((Id) => ({ Id, Arn: queue.arn })),
        }),
      ),
    ).rejects.toMatchObject({ name: 'LimitExceededException' });

    const partly = await events.send(
      new PutTargetsCommand({
        Rule: 'guarded',
        EventBusName: BUS,
        Targets: [
          { Id: 'lambda', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
          { Id: 'second', Arn: queue.arn },
        ],
      }),
    );
    expect(partly.FailedEntryCount).toBe(1);
    expect(partly.FailedEntries?.[0]).toMatchObject({
      TargetId: 'lambda',
      ErrorCode: 'ValidationException',
    });
    const removed = await events.send(
      new RemoveTargetsCommand({ Rule: 'guarded', EventBusName: BUS, Ids: ['second', 'ghost'] }),
    );
    expect(removed.FailedEntryCount).toBe(1);
    expect(removed.FailedEntries?.[0]?.TargetId).toBe('ghost');
    const { Targets } = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'guarded', EventBusName: BUS }),
    );
    expect(Targets?.map((t) => t.Id)).toEqual(['queue']);

    await events.send(
      new RemoveTargetsCommand({ Rule: 'guarded', EventBusName: BUS, Ids: ['queue'] }),
    );
    await events.send(new DeleteRuleCommand({ Name: 'guarded', EventBusName: BUS }));
    await expect(
      events.send(new DescribeRuleCommand({ Name: 'guarded', EventBusName: BUS })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('a disabled rule delivers nothing until it is enabled again', async () => {
    const queue = await newQueue();
    await addRule('switched', queue.arn);
    await events.send(new DisableRuleCommand({ Name: 'switched', EventBusName: BUS }));
    await events.send(new PutEventsCommand({ Entries: [registration('{"n":1}')] }));
    await events.send(new EnableRuleCommand({ Name: 'switched', EventBusName: BUS }));
    await events.send(new PutEventsCommand({ Entries: [registration('{"n":2}')] }));
    const bodies = (await receiveAll(queue.url)).map((m) => JSON.parse(m.Body ?? '').detail);
    expect(bodies).toEqual([{ n: 2 }]);
  });

  it('rules made through the API are there after a restart, and deliver', async () => {
    const queue = await newQueue();
    await addRule('kept', queue.arn);
    await events.send(new DisableRuleCommand({ Name: 'kept', EventBusName: BUS }));
    await stopBus();
    await startBus();
    const { Rules } = await events.send(
      new ListRulesCommand({ EventBusName: BUS, NamePrefix: 'kept' }),
    );
    expect(Rules?.map((r) => [r.Name, r.State])).toEqual([['kept', 'DISABLED']]);
    await events.send(new EnableRuleCommand({ Name: 'kept', EventBusName: BUS }));
    await events.send(new PutEventsCommand({ Entries: [registration('{"n":3}')] }));
    const bodies = (await receiveAll(queue.url)).map((m) => JSON.parse(m.Body ?? '').detail);
    expect(bodies).toEqual([{ n: 3 }]);
  });

  it('refuses to start on a rules file it cannot read, rather than overwrite it', async () => {
    const broken = join(dataDir, 'broken');
    await mkdir(join(broken, 'eventbridge'), { recursive: true });
    await writeFile(join(broken, 'eventbridge', 'rules.json'), '{"version": 1, "rules": [');
    await expect(
      startEventBridgeStandIn({ sqs: sqsClient, region: sqs.region, dataDir: broken }),
    ).rejects.toBeInstanceOf(UnreadableRuleFileError);
  });

  it('an event for a queue that is gone lands in the dead-letter queue, without retries', async () => {
    const dlq = await newQueue();
    const goneArn = `arn:aws:sqs:${sqs.region}:000000000000:never-created`;
    await addRule('to-nowhere', goneArn, { DeadLetterConfig: { Arn: dlq.arn } });
    const put = await events.send(new PutEventsCommand({ Entries: [registration('{"n":4}')] }));
    expect(put.FailedEntryCount).toBe(0);
    const [dead] = await receiveAll(dlq.url);
    expect(JSON.parse(dead?.Body ?? '')).toMatchObject({
      id: put.Entries?.[0]?.EventId,
      detail: { n: 4 },
    });
    expect(dead?.MessageAttributes?.TARGET_ARN?.StringValue).toBe(goneArn);
    expect(dead?.MessageAttributes?.RULE_ARN?.StringValue).toMatch(
      /:rule\/customer-events\/to-nowhere$/,
    );
    expect(dead?.MessageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe('0');
    expect(dead?.MessageAttributes?.ERROR_CODE?.StringValue).toMatch(
      /QueueDoesNotExist|NonExistentQueue/,
    );
  });
});
