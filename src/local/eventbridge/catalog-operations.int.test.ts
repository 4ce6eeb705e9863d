import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionRule } from '../../adapters/eventbridge/projection-rule.js';
import { AGGREGATES } from '../../composition/aggregates.js';
import { InvalidRuleError } from './errors.js';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './stand-in.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const BUS = 'customer-events';
const QUEUE_URL = `http://127.0.0.1:1/${ACCOUNT}/projection`;
const OTHER_QUEUE_URL = `http://127.0.0.1:1/${ACCOUNT}/audit`;

describe('EventBridge stand-in: rules and buses through the SDK', () => {
  // These operations only read the catalog; nothing is delivered, so no queue is needed.
  const sqs = new SQSClient({ region: REGION, endpoint: 'http://127.0.0.1:1' });
  let bus: EventBridgeStandIn;
  let events: EventBridgeClient;
  const rule = projectionRule({ source: 'customer.service', aggregates: AGGREGATES });

  beforeAll(async () => {
    bus = await startEventBridgeStandIn({
      sqs,
      region: REGION,
      accountId: ACCOUNT,
      eventBuses: ['empty-bus'],
      rules: [
        {
          ...rule,
          eventBusName: BUS,
          targets: [
            {
              id: 'Target0',
              arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:projection`,
              queueUrl: QUEUE_URL,
            },
          ],
        },
        ...['audit-a', 'audit-b', 'audit-c'].map((name) => ({
          name,
          eventBusName: BUS,
          eventPattern: {
            source: ['customer.service'],
            detail: { version: [{ numeric: ['>', 0] }] },
          },
          targets: [
            { id: 'second', queueUrl: OTHER_QUEUE_URL },
            { id: 'first', queueUrl: QUEUE_URL },
          ],
          state: 'DISABLED' as const,
          description: `audit ${name}`,
        })),
        {
          name: 'on-default',
          eventBusName: 'default',
          eventPattern: { source: [{ prefix: 'customer.' }] },
          targets: [],
        },
      ],
    });
    // Any credentials are accepted: the stand-in checks no signatures.
    events = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'anything', secretAccessKey: 'at-all' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    events?.destroy();
    await bus?.stop();
    sqs.destroy();
  });

  it('ListRules answers the rules of a bus, by name, with ARN, pattern, state and bus', async () => {
    const { Rules, NextToken } = await events.send(new ListRulesCommand({ EventBusName: BUS }));
    expect(NextToken).toBeUndefined();
    expect(Rules?.map((r) => r.Name)).toEqual([
      'audit-a',
      'audit-b',
      'audit-c',
      'customer-events-to-projection',
    ]);
    expect(Rules?.[3]).toEqual({
      Name: 'customer-events-to-projection',
      Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/customer-events-to-projection`,
      EventPattern: JSON.stringify(rule.eventPattern),
      State: 'ENABLED',
      Description: rule.description,
      EventBusName: BUS,
    });
    expect(JSON.parse(Rules?.[3]?.EventPattern ?? '')).toEqual({
      source: ['customer.service'],
      'detail-type': [
        'CustomerRegistered',
        'CustomerEmailUpdated',
        'CustomerSuspended',
        'CustomerReactivated',
        'CustomerForgotten',
      ],
    });
    expect(Rules?.[0]?.State).toBe('DISABLED');
  });

  it('ListRules filters by NamePrefix, takes the bus by ARN, and defaults to the default bus', async () => {
    const byPrefix = await events.send(
      new ListRulesCommand({
        EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`,
        NamePrefix: 'customer-',
      }),
    );
    expect(byPrefix.Rules?.map((r) => r.Name)).toEqual(['customer-events-to-projection']);
    const onDefault = await events.send(new ListRulesCommand({}));
    expect(onDefault.Rules).toEqual([
      expect.objectContaining({
        Name: 'on-default',
        Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/on-default`,
        EventBusName: 'default',
      }),
    ]);
    const none = await events.send(new ListRulesCommand({ EventBusName: 'empty-bus' }));
    expect(none.Rules).toEqual([]);
  });

  it('ListRules pages with Limit and NextToken, every rule once, in order', async () => {
    const names: string[] = [];
    const tokens: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const answer = await events.send(
        new ListRulesCommand({ EventBusName: BUS, Limit: 3, NextToken: token }),
      );
      names.push(...(answer.Rules ?? []).map((r) => r.Name ?? ''));
      token = answer.NextToken;
      tokens.push(token);
    } while (token);
    expect(names).toEqual(['audit-a', 'audit-b', 'audit-c', 'customer-events-to-projection']);
    expect(tokens).toHaveLength(2);
    await expect(
      events.send(new ListRulesCommand({ EventBusName: BUS, Limit: 0 })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      events.send(new ListRulesCommand({ EventBusName: BUS, NextToken: 'not-a-token' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('DescribeRule answers one rule; an unknown rule or bus is ResourceNotFoundException', async () => {
    const described = await events.send(
      new DescribeRuleCommand({ Name: 'audit-b', EventBusName: BUS }),
    );
    expect(described).toMatchObject({
      Name: 'audit-b',
      Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/audit-b`,
      EventPattern: JSON.stringify({
        source: ['customer.service'],
        detail: { version: [{ numeric: ['>', 0] }] },
      }),
      State: 'DISABLED',
      Description: 'audit audit-b',
      EventBusName: BUS,
      CreatedBy: ACCOUNT,
    });
    await expect(events.send(new DescribeRuleCommand({ Name: 'audit-b' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Rule audit-b does not exist on EventBus default.',
    });
    await expect(
      events.send(new DescribeRuleCommand({ Name: 'audit-b', EventBusName: 'no-such-bus' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Event bus no-such-bus does not exist.',
    });
    await expect(
      events.send(new ListRulesCommand({ EventBusName: 'no-such-bus' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('ListTargetsByRule answers ids and ARNs (derived from the queue URL when not given)', async () => {
    const projection = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'customer-events-to-projection', EventBusName: BUS }),
    );
    expect(projection.Targets).toEqual([
      { Id: 'Target0', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:projection` },
    ]);
    const audit = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'audit-a', EventBusName: BUS }),
    );
    expect(audit.Targets).toEqual([
      { Id: 'first', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:projection` },
      { Id: 'second', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:audit` },
    ]);
    const firstPage = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'audit-a', EventBusName: BUS, Limit: 1 }),
    );
    const secondPage = await events.send(
      new ListTargetsByRuleCommand({
        Rule: 'audit-a',
        EventBusName: BUS,
        NextToken: firstPage.NextToken,
      }),
    );
    expect([...(firstPage.Targets ?? []), ...(secondPage.Targets ?? [])]).toEqual(audit.Targets);
    expect(secondPage.NextToken).toBeUndefined();
    await expect(
      events.send(new ListTargetsByRuleCommand({ Rule: 'nope', EventBusName: BUS })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('ListEventBuses and DescribeEventBus: default, the rules’ buses and configured ones', async () => {
    const { EventBuses } = await events.send(new ListEventBusesCommand({}));
    expect(EventBuses?.map((b) => [b.Name, b.Arn])).toEqual([
      [BUS, `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`],
      ['default', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`],
      ['empty-bus', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/empty-bus`],
    ]);
    expect(EventBuses?.[0]?.CreationTime).toBeInstanceOf(Date);
    const byPrefix = await events.send(new ListEventBusesCommand({ NamePrefix: 'cust' }));
    expect(byPrefix.EventBuses?.map((b) => b.Name)).toEqual([BUS]);
    const paged = await events.send(new ListEventBusesCommand({ Limit: 2 }));
    expect(paged.EventBuses?.map((b) => b.Name)).toEqual([BUS, 'default']);
    const rest = await events.send(new ListEventBusesCommand({ NextToken: paged.NextToken }));
    expect(rest.EventBuses?.map((b) => b.Name)).toEqual(['empty-bus']);

    const described = await events.send(new DescribeEventBusCommand({ Name: BUS }));
    expect(described).toMatchObject({
      Name: BUS,
      Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`,
    });
    const byDefault = await events.send(new DescribeEventBusCommand({}));
    expect(byDefault.Name).toBe('default');
    await expect(
      events.send(new DescribeEventBusCommand({ Name: 'no-such-bus' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Event bus no-such-bus does not exist.',
    });
  });

  it('addRule refuses a bad rule, naming the field, and keeps the catalog as it was', async () => {
    const base = {
      name: 'late',
      eventBusName: BUS,
      eventPattern: { source: ['x'] },
      targets: [{ id: 't', queueUrl: QUEUE_URL }],
    };
    const refusals: [object, string][] = [
      [{ name: 'bad name!' }, 'name'],
      [{ name: 'customer-events-to-projection' }, 'name'],
      [{ eventPattern: { source: 'x' } }, 'eventPattern.source'],
      [{ eventPattern: {} }, 'eventPattern'],
      [{ targets: [{ id: 't', queueUrl: 'not a url' }] }, 'targets[0].queueUrl'],
      [
        {
          targets: [
            { id: 't', queueUrl: QUEUE_URL },
            { id: 't', queueUrl: QUEUE_URL },
          ],
        },
        'targets[1].id',
      ],
      [{ eventBusName: 'bad bus name' }, 'eventBusName'],
    ];
    for (const [change, field] of refusals) {
      let caught: unknown;
      try {
        bus.addRule({ ...base, ...change });
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(change)).toBeInstanceOf(InvalidRuleError);
      expect((caught as InvalidRuleError).field).toBe(field);
    }
    const { Rules } = await events.send(new ListRulesCommand({ EventBusName: BUS }));
    expect(Rules).toHaveLength(4);
    const { EventBuses } = await events.send(new ListEventBusesCommand({}));
    expect(EventBuses).toHaveLength(3);
  });
});
