import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEmulator, startSqsEmulator } from './sqs-emulator.js';

describe('SQS emulator (fauxqs)', () => {
  let sqs: SqsEmulator;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await startSqsEmulator({ maxReceiveCount: 3, visibilityTimeoutSeconds: 7 });
    client = new SQSClient(sqs.clientConfig);
  });
  afterAll(async () => {
    client?.destroy();
    await sqs?.stop();
  });

  it('listens on loopback and creates the queue with its redrive policy', async () => {
    expect(sqs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: sqs.queueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes?.VisibilityTimeout).toBe('7');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: sqs.dlqArn,
      maxReceiveCount: 3,
    });
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl, MessageBody: 'poison' }));
    const counts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: sqs.queueUrl,
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      expect(Messages?.map((m) => m.Body)).toEqual(['poison']);
      counts.push(Messages?.[0]?.Attributes?.ApproximateReceiveCount ?? '');
    }
    expect(counts).toEqual(['1', '2', '3']);

    // The fourth receive finds the message over the limit and moves it instead.
    const fourth = await client.send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl }));
    expect(fourth.Messages ?? []).toEqual([]);
    const dead = await client.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.dlqUrl, WaitTimeSeconds: 1 }),
    );
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
  });
});
