import { createServer, type Server, type Socket } from 'node:net';
import { ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DecryptCommand } from '@aws-sdk/client-kms';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rethrowTransient } from '../adapters/dynamodb/dynamodb-errors.js';
import { rethrowKmsUnavailable } from '../adapters/kms/kms-errors.js';
import { toErrorResponse } from '../app/http/error-response.js';
import { readConfig } from '../config.js';
import { KeyUnavailableError } from '../core/data-keys.js';
import { StoreUnavailableError } from '../core/errors.js';
import { awsClients } from './aws-clients.js';
import { callBudget } from './call-budget.js';

/** Takes connections and reads every request, and never answers: a dependency that hangs. */
const silentServer = async () => {
  let received = '';
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Requests received since the last call (request lines counted), and their text. */
    take: () => {
      const requests = received.match(/(POST|GET) \S* HTTP\/1\.1\r\n/g)?.length ?? 0;
      const text = received;
      received = '';
      return { requests, text };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

describe('AWS clients held to the call budget, against a dependency that never answers', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  // A 2 s function: 3 attempts of 300 ms, with at most 300 ms of backoff.
  const budget = callBudget(readConfig({ FUNCTION_TIMEOUT_MS: '2000' }));
  const aws = awsClients(budget);
  const local = () => ({
    endpoint: silent.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    await silent?.close();
  });

  it('has the budget it was built for', () => {
    expect(budget).toMatchObject({ maxAttempts: 3, requestTimeoutMs: 300, worstCaseMs: 1200 });
  });

  const calls = [
    ['DynamoDB', () => aws.dynamodb(local()).send(new GetItemCommand({ TableName: 't', Key: {} }))],
    ['DynamoDB Streams', () => aws.streams(local()).send(new ListStreamsCommand({}))],
    ['KMS', () => aws.kms(local()).send(new DecryptCommand({ CiphertextBlob: new Uint8Array(8) }))],
    [
      'EventBridge',
      () => aws.eventBridge(local()).send(new PutEventsCommand({ Entries: [{ Detail: '{}' }] })),
    ],
    ['CloudWatch', () => aws.cloudWatch(local()).send(new ListMetricsCommand({}))],
  ] as const;

  for (const [service, call] of calls) {
    it(`${service}: every attempt times out, the SDK retries each, and the call fails as TimeoutError`, async () => {
      silent.take();
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as Error | undefined)?.name).toBe('TimeoutError');
      expect(silent.take().requests).toBe(budget.maxAttempts);
    });
  }

  it('SQS: addressed at its endpoint, not at the host the queue URL names', async () => {
    silent.take();
    const error = await aws
      .sqs(local())
      .send(
        new SendMessageCommand({
          QueueUrl: 'http://queue-host.invalid/000000000000/q',
          MessageBody: 'x',
        }),
      )
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    const seen = silent.take();
    expect(seen.requests).toBe(budget.maxAttempts);
    expect(seen.text).toContain('AmazonSQS.SendMessage');
  });

  it('a timeout after the retries is a 503 with Retry-After, mapped by the adapters or at the edge', async () => {
    const timeout = await aws
      .dynamodb(local())
      .send(new GetItemCommand({ TableName: 't', Key: {} }))
      .catch((e: unknown) => e);
    expect(() => rethrowTransient(timeout, 'GetItem')).toThrow(StoreUnavailableError);
    expect(() => rethrowKmsUnavailable(timeout, 'Decrypt')).toThrow(KeyUnavailableError);
    // One that reached the edge unmapped, as the cause of another failure.
    const answer = toErrorResponse(new Error('loading failed', { cause: timeout }), 'c-1');
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.body.error.code).toBe('DEPENDENCY_TIMEOUT');
    // Any other failure stays a 500.
    expect(toErrorResponse(new Error('bug'), 'c-2').status).toBe(500);
  });
});
