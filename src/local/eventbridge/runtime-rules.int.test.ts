import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runHistories } from '../../../test/support/customer-histories.js';
import { localClientConfig } from '../../../test/support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../../../test/support/runtime-tables.js';
import { createDocumentClient } from '../../adapters/dynamodb/document-client.js';
import { DynamoDBEventStore } from '../../adapters/dynamodb/dynamodb-event-store.js';
import { LOCAL_CREDENTIALS } from '../local-endpoints.js';
import { type LocalRuntime, startLocalRuntime } from '../runtime.js';

describe('local runtime: a rule added over the wire receives the service events', () => {
  const config = configWithOwnTables();
  let runtime: LocalRuntime;
  let documentClient: DynamoDBDocumentClient;
  let sqs: SQSClient;
  let bus: EventBridgeClient;

  beforeAll(async () => {
    const dynamodb = localClientConfig(inject('dynamoEndpoint'));
    runtime = await startLocalRuntime({ config, dynamodb });
    documentClient = createDocumentClient(dynamodb);
    sqs = new SQSClient(runtime.sqs.clientConfig);
    bus = new EventBridgeClient({
      endpoint: runtime.eventBridge.endpoint,
      region: runtime.sqs.region,
      credentials: LOCAL_CREDENTIALS,
    });
  });
  afterAll(async () => {
    bus?.destroy();
    sqs?.destroy();
    await runtime?.stop();
    documentClient?.destroy();
    await dropTables(config);
  });

  it('PutRule and PutTargets on the service bus, then a registration arrives in the queue', async () => {
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'my-consumer' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await bus.send(
      new PutRuleCommand({
        Name: 'registrations-to-my-consumer',
        EventBusName: config.EVENT_BUS_NAME,
        EventPattern: JSON.stringify({
          source: [config.EVENT_SOURCE_NAME],
          'detail-type': ['CustomerRegistered'],
        }),
      }),
    );
    await bus.send(
      new PutTargetsCommand({
        Rule: 'registrations-to-my-consumer',
        EventBusName: config.EVENT_BUS_NAME,
        Targets: [{ Id: 'mine', Arn: Attributes?.QueueArn }],
      }),
    );

    const events = new DynamoDBEventStore({
      client: documentClient,
      tableName: config.COMMAND_TABLE,
    });
    const [id = ''] = await runHistories(events, [['email']], 'wire-rule');
    await runtime.waitUntilIdle();

    const received: Message[] = [];
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
      );
      if (!Messages?.length) break;
      received.push(...Messages);
    }
    // The registration only: the email change does not match the rule.
    expect(received).toHaveLength(1);
    const event = JSON.parse(received[0]?.Body ?? '');
    expect(event).toMatchObject({
      source: config.EVENT_SOURCE_NAME,
      'detail-type': 'CustomerRegistered',
    });
    expect(JSON.stringify(event.detail)).toContain(id);
  });
});
