import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { awsClients } from '../composition/aws-clients.js';
import { defaultCallBudget } from '../composition/call-budget.js';
import { LOCAL_CREDENTIALS } from './local-endpoints.js';

export interface SqsEmulatorOptions {
  /** Free port when absent. */
  port?: number;
  /** Region in queue ARNs; clients should use the same one. */
  region?: string;
  queueName?: string;
  deadLetterQueueName?: string;
  /** Receives after which a message moves to the dead-letter queue. */
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
}

export interface SqsEmulator {
  endpoint: string;
  port: number;
  region: string;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  /** Client settings for this emulator (dummy credentials). */
  clientConfig: SQSClientConfig & { endpoint: string; region: string };
  /**
   * Stops listening and drops open connections (callers see connection refused), keeping
   * the queues and their messages, as an SQS outage seen from a client would.
   */
  pause(): Promise<void>;
  /** Listens again on the same port, with the messages it had. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs on loopback with the projection queue and its dead-letter queue.
 *
 * `startFauxqs()` listens on 0.0.0.0, so this builds the fauxqs app and binds it to
 * 127.0.0.1 itself. The queues are created through the SQS API, exactly as a deployment
 * would, so the redrive policy goes through fauxqs's own validation.
 */
export const startSqsEmulator = async (options: SqsEmulatorOptions = {}): Promise<SqsEmulator> => {
  const region = options.region ?? 'us-east-1';
  const app = buildApp({ logger: false, defaultRegion: region });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = {
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
  };
  const client = awsClients(defaultCallBudget()).sqs(clientConfig);
  // The raw server, not Fastify's close(): that would shut the queue store down for good.
  const pause = () =>
    new Promise<void>((resolve) => {
      if (!app.server.listening) return resolve();
      app.server.close(() => resolve());
      app.server.closeAllConnections();
    });
  const resume = () =>
    new Promise<void>((resolve, reject) => {
      if (app.server.listening) return resolve();
      app.server.once('error', reject);
      app.server.listen(port, '127.0.0.1', () => {
        app.server.off('error', reject);
        resolve();
      });
    });
  try {
    const queueArnOf = async (QueueUrl: string): Promise<string> => {
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const arn = Attributes?.QueueArn;
      if (!arn) throw new Error(`fauxqs returned no QueueArn for ${QueueUrl}`);
      return arn;
    };
    const queueName = options.queueName ?? 'customer-projection';
    const dlq = await client.send(
      new CreateQueueCommand({
        QueueName: options.deadLetterQueueName ?? `${queueName}-dlq`,
        // AWS keeps dead letters for at most 14 days; keep them as long as we can.
        Attributes: { MessageRetentionPeriod: '1209600' },
      }),
    );
    if (!dlq.QueueUrl) throw new Error('fauxqs returned no dead-letter queue URL');
    const dlqArn = await queueArnOf(dlq.QueueUrl);
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: queueName,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: options.maxReceiveCount ?? 5,
          }),
        },
      }),
    );
    if (!queue.QueueUrl) throw new Error('fauxqs returned no queue URL');
    const queueArn = await queueArnOf(queue.QueueUrl);
    return {
      endpoint,
      port,
      region,
      queueUrl: queue.QueueUrl,
      queueArn,
      dlqUrl: dlq.QueueUrl,
      dlqArn,
      clientConfig,
      pause,
      resume,
      stop: async () => {
        // Fastify's close() expects a listening server.
        await resume();
        await app.close();
      },
    };
  } catch (error) {
    await app.close();
    throw error;
  } finally {
    client.destroy();
  }
};
