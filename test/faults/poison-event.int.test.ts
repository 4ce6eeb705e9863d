import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewStore } from '../../src/adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { type DeadLetter, SqsDeadLetterQueue } from '../../src/adapters/sqs/dead-letter-queue.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import type { CustomerViewRecord } from '../../src/app/customer/customer-view.js';
import { createProjectorHandler } from '../../src/app/projector.js';
import type { ViewStore } from '../../src/core/view-store.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { customerStreams } from '../support/customer-stream-types.js';
import { localClientConfig } from '../support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';
import { type AuditTarget, auditOnce } from './audit.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a poison event', () => {
  const config = configWithOwnTables();
  /** Aggregates the projector cannot apply past version 1: the bug that "the fix" removes. */
  const broken = new Set<string>();
  let runtime: LocalRuntime;
  let documentClient: DynamoDBDocumentClient;
  let sqs: SQSClient;
  let dlq: SqsDeadLetterQueue;
  let commands: CustomerCommandService;
  let target: AuditTarget;

  beforeAll(async () => {
    const dynamodb = localClientConfig(inject('dynamoEndpoint'));
    documentClient = createDocumentClient(dynamodb);
    const events = new DynamoDBEventStore({
      client: documentClient,
      tableName: config.COMMAND_TABLE,
    });
    const realViews = new DynamoDBCustomerViewStore({
      client: documentClient,
      tableName: config.QUERY_TABLE,
    });
    const views: ViewStore<CustomerViewRecord> = {
      get: (id) => realViews.get(id),
      put: async (id, view, readVersion) => {
        if (broken.has(id) && view.version > 1) {
          throw new TypeError(`projection bug: cannot apply version ${view.version} of ${id}`);
        }
        await realViews.put(id, view, readVersion);
      },
    };
    runtime = await startLocalRuntime({
      config,
      dynamodb,
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 1,
      handlers: { projector: createProjectorHandler({ streams: customerStreams(events, views) }) },
    });
    sqs = new SQSClient(runtime.sqs.clientConfig);
    dlq = new SqsDeadLetterQueue({ client: sqs, queueUrl: runtime.sqs.dlqUrl, holdSeconds: 5 });
    commands = new CustomerCommandService({ store: events });
    target = runtime.service.auditSources;
  });
  afterAll(async () => {
    await runtime?.stop();
    sqs?.destroy();
    documentClient?.destroy();
    await dropTables(config);
  });

  const register = async (customerId: string) =>
    commands.execute(
      {
        type: 'RegisterCustomer',
        data: { customerId, email: `${customerId}@example.com`, name: 'Ada' },
      },
      { correlationId: `c-${customerId}` },
    );
  const updateEmail = (customerId: string, n: number) =>
    commands.execute(
      { type: 'UpdateEmail', data: { customerId, newEmail: `${customerId}.${n}@example.com` } },
      { correlationId: `c-${customerId}` },
    );

  const deadLettersOf = async (aggregateId: string, timeoutMs: number): Promise<DeadLetter[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const letters = await dlq.list();
      if (letters.some((l) => l.aggregateId === aggregateId) || Date.now() > deadline)
        return letters;
      await sleep(250);
    }
  };

  it('lands in the DLQ, the audit names it, and a redrive after the fix applies it', async () => {
    const suffix = config.COMMAND_TABLE.slice('events-'.length);
    const poisoned = `poison-${suffix}`;
    const healthy = Array.from({ length: 5 }, (_, i) => `healthy-${suffix}-${i}`);
    broken.add(poisoned);
    await register(poisoned);
    await runtime.waitUntilIdle();
    await updateEmail(poisoned, 1);
    for (const id of healthy) {
      await register(id);
      await updateEmail(id, 1);
    }

    // SQS gave up on it after maxReceiveCount receives; nothing else is in the DLQ.
    const letters = await deadLettersOf(poisoned, 30_000);
    expect(letters.length).toBeGreaterThan(0);
    for (const letter of letters) {
      expect(letter).toMatchObject({
        aggregateId: poisoned,
        eventType: 'CustomerEmailUpdated',
        version: 2,
      });
      expect(letter.receiveCount).toBeGreaterThanOrEqual(2);
    }

    // The rest went through; the audit names exactly the poisoned stream.
    await runtime.waitUntilIdle();
    const before = await auditOnce(target);
    expect(before.clean).toBe(false);
    expect(before.counts).toMatchObject({ ok: healthy.length, behind: 1 });
    expect(before.examples).toEqual([
      expect.objectContaining({
        finding: 'behind',
        aggregateId: poisoned,
        expectedVersion: 2,
        actualVersion: 1,
      }),
    ]);

    // The fix is deployed; then the DLQ is redriven to the projection queue.
    broken.clear();
    const report = await dlq.redrive({ targetQueueUrl: runtime.sqs.queueUrl });
    expect(report.failed).toEqual([]);
    expect(report.moved.map((l) => l.aggregateId)).toEqual(letters.map(() => poisoned));
    await runtime.waitUntilIdle();

    const after = await auditOnce(target);
    expect(after.examples).toEqual([]);
    expect(after.clean).toBe(true);
    expect(after.counts.ok).toBe(healthy.length + 1);
    expect(await dlq.list()).toEqual([]);
  }, 90_000);
});
