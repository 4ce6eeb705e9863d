import { readFileSync } from 'node:fs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { type CallBudget, callBudget } from '../../src/composition/call-budget.js';
import { readConfig } from '../../src/config.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { type FreezingProxy, startFreezingProxy } from './freezing-proxy.js';

/**
 * Each dependency stops answering without going away: DynamoDB Local's java is stopped
 * (SIGSTOP), and the KMS stand-in, the bus and the queue, which run in this process, sit
 * behind a proxy that freezes (see `freezing-proxy.ts`). Commands and queries answer 503
 * with `Retry-After` before the function's timeout; the same request with the same
 * idempotency key lands exactly once after the thaw; events held up on the way to the read
 * model arrive after it.
 */
type StandIn = 'sqs' | 'eventBridge' | 'kms';

/** A small function timeout keeps the test quick; every budget is derived from it. */
const FUNCTION_TIMEOUT_MS = 6000;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { version?: number; error?: { code: string } };
}

describe('a dependency that stops answering', () => {
  let runtime: LocalRuntime;
  let budget: CallBudget;
  let inspect: DynamoDBDocumentClient;
  let store: DynamoDBEventStore;
  const proxies: Partial<Record<StandIn, FreezingProxy>> = {};
  let java: number | undefined;
  let javaStopped = false;

  beforeAll(async () => {
    const config = readConfig({ FUNCTION_TIMEOUT_MS: String(FUNCTION_TIMEOUT_MS) });
    budget = callBudget(config);
    runtime = await startLocalRuntime({
      config,
      // A short visibility timeout: a notification whose handling was cut off comes back soon.
      visibilityTimeoutSeconds: 2,
      reach: async (standIn, endpoint) => {
        const proxy = await startFreezingProxy(endpoint);
        proxies[standIn] = proxy;
        return proxy.endpoint;
      },
    });
    java = runtime.dynamodbLocal?.pid;
    // Read past every fault, on a client with the SDK's defaults.
    inspect = createDocumentClient(runtime.dynamodb);
    store = new DynamoDBEventStore({ client: inspect, tableName: runtime.config.COMMAND_TABLE });
  }, 120_000);

  afterAll(async () => {
    if (javaStopped && java) process.kill(java, 'SIGCONT');
    for (const proxy of Object.values(proxies)) proxy.thaw();
    await runtime?.stop();
    inspect?.destroy();
    for (const proxy of Object.values(proxies)) await proxy.close();
  }, 60_000);

  /**
   * One HTTP request to the service. It must answer before the function's timeout (on
   * Lambda, the function would be cut off there with no answer); `undefined` if it did not.
   */
  const request = async (method: string, path: string, body?: unknown, key?: string) => {
    const app = runtime.service.httpApp({ commands: true, queries: true });
    const answered = (async (): Promise<Answer> => {
      const response = await app.request(path, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as Answer['body'],
      };
    })();
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), budget.functionTimeoutMs);
    });
    try {
      return await Promise.race([answered, cutOff]);
    } finally {
      clearTimeout(timer);
    }
  };

  const expectUnavailable = (answer: Answer | undefined, code: string) => {
    expect(answer, 'no answer before the function timeout').toBeDefined();
    expect(answer?.status).toBe(503);
    expect(answer?.retryAfter).toBe('1');
    expect(answer?.body.error?.code).toBe(code);
  };

  /** The client's retries after the thaw, with the same key: the first 2xx. */
  const retryUntilAccepted = async (method: string, path: string, body: unknown, key: string) => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const answer = await request(method, path, body, key);
      if (answer && answer.status < 300) return answer;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    throw new Error(`${key} was never accepted`);
  };

  const commandIds = async (customerId: string) =>
    (await store.readStream(customerId)).map((e) => [e.eventType, e.metadata.commandId]);

  const view = async (customerId: string) => request('GET', `/customers/${customerId}`);

  /** Waits until the frozen proxy holds a call of this operation (the caller has tried it). */
  const untilHeld = async (proxy: FreezingProxy, operation: string) => {
    for (let i = 0; i < 300 && !proxy.held().includes(operation); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(proxy.held()).toContain(operation);
  };

  const registration = (customerId: string) => ({
    customerId,
    email: `${customerId}@example.com`,
    name: 'Ada',
  });

  // First, while no process has unwrapped a key yet: the first command needs KMS.
  it('KMS frozen: a command answers 503 in time and writes nothing; its retry after the thaw writes once', async () => {
    const kms = proxies.kms;
    if (!kms) throw new Error('the KMS stand-in was not reached through a proxy');
    kms.freeze();
    try {
      const refused = await request('POST', '/customers', registration('kms-1'), 'kms-1-k0');
      expectUnavailable(refused, 'KEY_UNAVAILABLE');
      expect(kms.held()).toContain('TrentService.');
      expect(await commandIds('kms-1')).toEqual([]);
    } finally {
      kms.thaw();
    }
    const accepted = await retryUntilAccepted(
      'POST',
      '/customers',
      registration('kms-1'),
      'kms-1-k0',
    );
    expect(accepted.body.version).toBe(1);
    expect(await commandIds('kms-1')).toEqual([['CustomerRegistered', 'kms-1-k0']]);
    await runtime.waitUntilIdle(30_000);
    expect((await view('kms-1'))?.body.version).toBe(1);
  }, 30_000);

  it('DynamoDB frozen (SIGSTOP): commands and queries answer 503 in time; each retried key lands exactly once', async () => {
    if (!java) throw new Error('the runtime started no DynamoDB Local of its own');
    expect(readFileSync(`/proc/${java}/comm`, 'utf8').trim()).toBe('java');
    const first = await request('POST', '/customers', registration('ddb-1'), 'ddb-1-k0');
    expect(first?.status).toBe(201);

    process.kill(java, 'SIGSTOP');
    javaStopped = true;
    try {
      const register = await request('POST', '/customers', registration('ddb-2'), 'ddb-2-k0');
      expectUnavailable(register, 'STORE_UNAVAILABLE');
      const update = await request(
        'PUT',
        '/customers/ddb-1/email',
        { email: 'ddb-1.moved@example.com' },
        'ddb-1-k1',
      );
      expectUnavailable(update, 'STORE_UNAVAILABLE');
      expectUnavailable(await view('ddb-1'), 'STORE_UNAVAILABLE');
    } finally {
      process.kill(java, 'SIGCONT');
      javaStopped = false;
    }

    // The writes sent before the timeouts may land now, as the store reads them; the retries
    // find their records, or write them. Never both.
    await retryUntilAccepted('POST', '/customers', registration('ddb-2'), 'ddb-2-k0');
    const moved = await retryUntilAccepted(
      'PUT',
      '/customers/ddb-1/email',
      { email: 'ddb-1.moved@example.com' },
      'ddb-1-k1',
    );
    expect(moved.body.version).toBe(2);
    expect(await commandIds('ddb-2')).toEqual([['CustomerRegistered', 'ddb-2-k0']]);
    expect(await commandIds('ddb-1')).toEqual([
      ['CustomerRegistered', 'ddb-1-k0'],
      ['CustomerEmailUpdated', 'ddb-1-k1'],
    ]);
    await runtime.waitUntilIdle(30_000);
    expect((await view('ddb-1'))?.body).toMatchObject({
      version: 2,
      email: 'ddb-1.moved@example.com',
    });
    expect((await view('ddb-2'))?.body.version).toBe(1);
  }, 30_000);

  const heldOnTheWay = (standIn: 'eventBridge' | 'sqs', operation: string) => async () => {
    const proxy = proxies[standIn];
    if (!proxy) throw new Error(`${standIn} was not reached through a proxy`);
    const customerId = `${standIn}-1`;
    proxy.freeze();
    try {
      // The command path does not touch the bus or the queue.
      const accepted = await request('POST', '/customers', registration(customerId), customerId);
      expect(accepted?.status).toBe(201);
      await untilHeld(proxy, operation);
      expect((await view(customerId))?.status).toBe(404);
    } finally {
      proxy.thaw();
    }
    await runtime.waitUntilIdle(30_000);
    expect(await commandIds(customerId)).toEqual([['CustomerRegistered', customerId]]);
    expect((await view(customerId))?.body.version).toBe(1);
  };

  it(
    'bus frozen: the publisher is held up, and the view arrives after the thaw',
    heldOnTheWay('eventBridge', 'AWSEvents.PutEvents'),
    30_000,
  );

  it(
    'queue frozen: the delivery is held up, and the view arrives after the thaw',
    heldOnTheWay('sqs', 'AmazonSQS.SendMessage'),
    30_000,
  );
});
