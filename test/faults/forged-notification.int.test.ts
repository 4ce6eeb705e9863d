import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { customerModule } from '../../src/app/customer/module.js';
import type { EventEnvelope } from '../../src/core/event.js';
import type { Logger } from '../../src/core/ports.js';
import { LOCAL_CREDENTIALS } from '../../src/local/local-endpoints.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { expectedView } from '../support/customer-histories.js';
import { localClientConfig } from '../support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';

/** Every log line of the runtime, to find the rejections and to look for personal data. */
const lines: Array<{ message: string; extra: Record<string, unknown> }> = [];
const log = (message: string, extra: Record<string, unknown> = {}) => {
  lines.push({ message, extra });
};
const logger: Logger = { debug: log, info: log, warn: log, error: log };

/** Waits for a condition the pipeline brings about (not a timing assertion). */
const eventually = async (condition: () => boolean | Promise<boolean>, what: string) => {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('a forged event put on the bus', () => {
  const config = { ...configWithOwnTables(), PROJECTION_MAX_RECEIVE_COUNT: 2 };
  let runtime: LocalRuntime;
  let bus: EventBridgeClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      config,
      dynamodb: localClientConfig(inject('dynamoEndpoint')),
      maxReceiveCount: config.PROJECTION_MAX_RECEIVE_COUNT,
      visibilityTimeoutSeconds: 1,
      logger,
    });
    // Anyone allowed to call PutEvents on the bus, with the service's own source.
    bus = new EventBridgeClient({
      endpoint: runtime.eventBridge.endpoint,
      region: runtime.sqs.region,
      credentials: LOCAL_CREDENTIALS,
    });
    sqs = new SQSClient(runtime.sqs.clientConfig);
  });
  afterAll(async () => {
    await runtime?.stop();
    bus?.destroy();
    sqs?.destroy();
    await dropTables(config);
  });

  const execute = (command: unknown) =>
    runtime.service.aggregate(customerModule).commands.execute(command, {
      correlationId: 'forged-test',
    });
  const put = async (detail: object, detailType: string) => {
    const answer = await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: config.EVENT_BUS_NAME,
            Source: config.EVENT_SOURCE_NAME,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    expect(answer.FailedEntryCount ?? 0).toBe(0);
  };
  const forge = (aggregateId: string, version: number, eventType: string, payload: object) =>
    put(
      {
        eventId: `forged-${aggregateId}-${version}`,
        aggregateType: 'Customer',
        aggregateId,
        eventType,
        payload,
        timestamp: new Date().toISOString(),
        version,
        metadata: { correlationId: 'forged', schemaVersion: 1 },
      } satisfies EventEnvelope,
      eventType,
    );
  const foldOf = (id: string) => expectedView(runtime.service.eventStore, id);
  const dropped = () => lines.filter((l) => l.extra.dropped === true).length;
  const queued = async (queueUrl: string) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };

  it('changes no view: the next version with false content, one far ahead, a stranger, a thin one', async () => {
    await execute({
      type: 'RegisterCustomer',
      data: { customerId: 'alice', email: 'alice@example.com', name: 'Alice' },
    });
    await execute({
      type: 'UpdateEmail',
      data: { customerId: 'alice', newEmail: 'alice.2@example.com' },
    });
    await execute({
      type: 'RegisterCustomer',
      data: { customerId: 'bob', email: 'bob@example.com', name: 'Bob' },
    });
    await runtime.waitUntilIdle();
    const alice = await foldOf('alice');
    const bob = await foldOf('bob');
    expect(await runtime.service.aggregate('Customer').views().get('alice')).toEqual(alice);
    expect(await runtime.service.aggregate('Customer').views().get('bob')).toEqual(bob);

    await forge('alice', 3, 'CustomerEmailUpdated', {
      oldEmail: 'alice.2@example.com',
      newEmail: 'attacker@example.com',
    });
    await forge('alice', 500, 'CustomerForgotten', {});
    // A version the view holds, with other content: acknowledged, nothing written.
    await forge('bob', 1, 'CustomerRegistered', { email: 'attacker@example.com', name: 'Eve' });
    await forge('mallory', 1, 'CustomerRegistered', { email: 'mallory@example.com', name: 'M' });
    await put(
      {
        thin: true,
        aggregateId: 'bob',
        version: 7,
        eventType: 'CustomerForgotten',
        eventId: 'forged-thin',
      },
      'CustomerForgotten',
    );

    // Four versions the store does not hold: retried once, then dropped at the last receive.
    await eventually(() => dropped() >= 4, 'the forged notifications to be dropped');
    await eventually(
      async () => (await queued(runtime.sqs.queueUrl)) === 0,
      'the projection queue to empty',
    );
    expect(await runtime.service.aggregate('Customer').views().get('alice')).toEqual(alice);
    expect(await runtime.service.aggregate('Customer').views().get('bob')).toEqual(bob);
    expect(await runtime.service.aggregate('Customer').views().get('mallory')).toBeUndefined();
    expect(await queued(runtime.sqs.dlqUrl)).toBe(0);
    const rejections = lines.filter((l) => l.message.startsWith('notification rejected'));
    expect(
      rejections
        .filter((l) => l.extra.dropped === true)
        .map((l) => `${l.extra.aggregateId}@${l.extra.eventVersion}`)
        .sort(),
    ).toEqual(['alice@3', 'alice@500', 'bob@7', 'mallory@1']);
    // The forged content was never written anywhere, nor logged.
    expect(JSON.stringify(lines)).not.toContain('attacker@example.com');

    // The real next event still projects, from the store.
    await execute({
      type: 'UpdateEmail',
      data: { customerId: 'alice', newEmail: 'alice.3@example.com' },
    });
    await runtime.waitUntilIdle();
    const moved = await runtime.service.aggregate('Customer').views().get('alice');
    expect(moved).toEqual(await foldOf('alice'));
    expect(moved).toMatchObject({ version: 3, email: 'alice.3@example.com' });
  }, 90_000);
});
