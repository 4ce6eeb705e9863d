import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type SqsEmulator, startSqsEmulator } from './sqs-emulator.js';
import { createSqsPoller, type SqsPoller, type SqsPollerOptions } from './sqs-poller.js';

/** The client, counting its `ReceiveMessage` calls into `calls.receives`. */
const countingReceives = (client: SQSClient, calls: { receives: number }): SQSClient =>
  ({
    send: (command: unknown) => {
      if (command instanceof ReceiveMessageCommand) calls.receives++;
      return client.send(command as never);
    },
    config: client.config,
  }) as unknown as SQSClient;

describe('SQS poller', () => {
  let sqs: SqsEmulator | undefined;
  let client: SQSClient | undefined;
  let poller: SqsPoller | undefined;

  afterEach(async () => {
    await poller?.stop();
    client?.destroy();
    await sqs?.stop();
    poller = undefined;
    client = undefined;
    sqs = undefined;
  });

  const setUp = async (
    handler: SqsPollerOptions['handler'],
    options: Partial<SqsPollerOptions> = {},
    maxReceiveCount = 5,
  ) => {
    sqs = await startSqsEmulator({ maxReceiveCount, visibilityTimeoutSeconds: 1 });
    client = new SQSClient(sqs.clientConfig);
    poller = createSqsPoller({
      client,
      queueUrl: sqs.queueUrl,
      handler,
      waitTimeSeconds: 1,
      ...options,
    });
    return { sqs, client, poller };
  };

  const send = (c: SQSClient, queueUrl: string, body: string) =>
    c.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
      }),
    );

  const visibleCount = async (c: SQSClient, queueUrl: string) => {
    const { Attributes } = await c.send(
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

  it('hands over SQS events shaped as Lambda delivers them', async () => {
    const seen: SQSRecord[] = [];
    const env = await setUp(async (event: SQSEvent) => {
      seen.push(...event.Records);
      return { batchItemFailures: [] };
    });
    await send(env.client, env.sqs.queueUrl, '{"hello":"world"}');
    await env.poller.start();
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toMatchObject({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: '{"hello":"world"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: { kind: { dataType: 'String', stringValue: 'test' } },
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: env.sqs.queueArn,
      awsRegion: env.sqs.region,
    });
    await env.poller.waitUntilIdle();
    expect(await visibleCount(env.client, env.sqs.queueUrl)).toBe(0);
  });

  it('deletes only the successful messages and a message failing repeatedly lands in the DLQ', async () => {
    const deliveries: { body: string; receiveCount: string }[] = [];
    const env = await setUp(
      async (event) => {
        deliveries.push(
          ...event.Records.map((r) => ({
            body: r.body,
            receiveCount: r.attributes.ApproximateReceiveCount,
          })),
        );
        return {
          batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
            itemIdentifier: r.messageId,
          })),
        };
      },
      {},
      2,
    );
    for (const body of ['a', 'poison', 'b']) await send(env.client, env.sqs.queueUrl, body);
    await env.poller.start();

    // Two receives of the poison message, then the redrive policy moves it.
    await expect
      .poll(
        async () => {
          const { Messages } = await env.client.send(
            new ReceiveMessageCommand({ QueueUrl: env.sqs.dlqUrl, VisibilityTimeout: 0 }),
          );
          return Messages?.map((m) => m.Body) ?? [];
        },
        { timeout: 10_000, interval: 200 },
      )
      .toEqual(['poison']);
    await env.poller.waitUntilIdle();

    expect(
      deliveries
        .filter((d) => d.body !== 'poison')
        .map((d) => d.body)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(deliveries.filter((d) => d.body === 'poison').map((d) => d.receiveCount)).toEqual([
      '1',
      '2',
    ]);
    expect(await visibleCount(env.client, env.sqs.queueUrl)).toBe(0);
  });

  it('deletes nothing when the handler throws, so the batch comes back', async () => {
    let calls = 0;
    const bodies: string[][] = [];
    const env = await setUp(async (event) => {
      calls++;
      bodies.push(event.Records.map((r) => `${r.body}@${r.attributes.ApproximateReceiveCount}`));
      if (calls === 1) throw new Error('view store unavailable');
      return { batchItemFailures: [] };
    });
    await send(env.client, env.sqs.queueUrl, 'x');
    await env.poller.start();
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(2);
    await env.poller.waitUntilIdle();
    expect(bodies).toEqual([['x@1'], ['x@2']]);
    expect(await visibleCount(env.client, env.sqs.queueUrl)).toBe(0);
  });

  it('treats an unknown item identifier as a failure of the whole batch', async () => {
    let calls = 0;
    const env = await setUp(async () => {
      calls++;
      return { batchItemFailures: calls === 1 ? [{ itemIdentifier: 'nope' }] : [] };
    });
    await send(env.client, env.sqs.queueUrl, 'y');
    await env.poller.start();
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(2);
    await env.poller.waitUntilIdle();
    expect(await visibleCount(env.client, env.sqs.queueUrl)).toBe(0);
  });

  it('runs parallel pollers that handle each message once', async () => {
    const handled: string[] = [];
    const env = await setUp(
      async (event) => {
        await new Promise((r) => setTimeout(r, 20));
        handled.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
      { concurrency: 3 },
    );
    const expected = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const body of expected) await send(env.client, env.sqs.queueUrl, body);
    await env.poller.start();
    await env.poller.waitUntilIdle();
    expect(handled.sort()).toEqual(expected.sort());
    await env.poller.stop();
    expect(await visibleCount(env.client, env.sqs.queueUrl)).toBe(0);
  });

  it('long-polls: a waiting receive returns the message that arrives during its wait', async () => {
    const handled: string[] = [];
    const handler: SqsPollerOptions['handler'] = async (event) => {
      handled.push(...event.Records.map((r) => r.body));
      return { batchItemFailures: [] };
    };
    const env = await setUp(handler);
    const calls = { receives: 0 };
    const counting = countingReceives(env.client, calls);
    // The set-up's poller never started; this one counts its calls.
    poller = createSqsPoller({
      client: counting,
      queueUrl: env.sqs.queueUrl,
      handler,
      // Longer than the test takes to send: the message must end a receive that waits.
      waitTimeSeconds: 3,
    });
    await poller.start();
    await expect.poll(() => calls.receives).toBe(1);
    await send(env.client, env.sqs.queueUrl, 'during-the-wait');
    await expect.poll(() => handled).toEqual(['during-the-wait']);
    // The waiting receive took the message; the next one is waiting again.
    expect(calls.receives).toBe(2);
  });

  describe('with an idle pause instead of a long poll', () => {
    const countingPoller = async (idlePauseMs: number) => {
      const handled: string[] = [];
      const handler: SqsPollerOptions['handler'] = async (event) => {
        handled.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      };
      const env = await setUp(handler);
      const calls = { receives: 0 };
      const counting = countingReceives(env.client, calls);
      poller = createSqsPoller({
        client: counting,
        queueUrl: env.sqs.queueUrl,
        handler,
        waitTimeSeconds: 0,
        idlePauseMs,
      });
      await poller.start();
      await expect.poll(() => calls.receives).toBe(1);
      return { env, poller, handled, calls };
    };

    it('receives at once when woken, however long the pause', async () => {
      // A pause far longer than the test: only the wake can bring the message in.
      const { env, poller: woken, handled, calls } = await countingPoller(10 * 60_000);
      await send(env.client, env.sqs.queueUrl, 'announced');
      woken.wake();
      await expect.poll(() => handled).toEqual(['announced']);
      // One receive found nothing, the woken one the message, and the next one nothing.
      await expect.poll(() => calls.receives).toBe(3);
      expect(handled).toEqual(['announced']);
    });

    it('finds an unannounced message within a pause, and an idle poller calls once per pause', async () => {
      const { env, handled, calls } = await countingPoller(400);
      await send(env.client, env.sqs.queueUrl, 'unannounced');
      await expect.poll(() => handled, { timeout: 5000 }).toEqual(['unannounced']);
      const before = calls.receives;
      await new Promise((r) => setTimeout(r, 2000));
      // About five receives in two seconds: bounded by the pause, not by a busy loop.
      expect(calls.receives - before).toBeGreaterThanOrEqual(3);
      expect(calls.receives - before).toBeLessThanOrEqual(6);
    });

    it('is judged idle by a receive after the call, without waiting out the pause', async () => {
      const { env, poller: paused, handled } = await countingPoller(10 * 60_000);
      await send(env.client, env.sqs.queueUrl, 'before-the-wait');
      // waitUntilIdle starts a receive now: it takes the message, then finds the queue empty.
      await paused.waitUntilIdle(5000);
      expect(handled).toEqual(['before-the-wait']);
    });
  });
});
