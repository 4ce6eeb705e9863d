import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageBody } from '../../../test/support/customer-histories.js';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import type { EventEnvelope } from '../../core/event.js';
import { type SqsEmulator, startSqsEmulator } from '../../local/sqs-emulator.js';
import type { CliIo } from '../../ops/cli-io.js';
import { runDlqCli } from '../../ops/dlq-cli.js';
import { DynamoDBEventStore } from '../dynamodb/dynamodb-event-store.js';
import { type DeadLetter, SqsDeadLetterQueue } from './dead-letter-queue.js';

const envelope = (
  aggregateId: string,
  version: number,
  eventType: string,
  payload: unknown,
): EventEnvelope => ({
  eventId: `${aggregateId}-${version}`,
  aggregateType: 'Customer',
  aggregateId,
  eventType,
  payload,
  timestamp: `2024-01-01T00:00:0${version}.000Z`,
  version,
  metadata: { correlationId: 'c', schemaVersion: 1 },
});

const registered = (id: string) =>
  envelope(id, 1, 'CustomerRegistered', { email: `${id}@example.com`, name: id });

describe('SqsDeadLetterQueue on the SQS emulator', () => {
  let sqs: SqsEmulator;
  let client: SQSClient;
  let dlq: SqsDeadLetterQueue;
  let tables: TestTables;

  beforeAll(async () => {
    sqs = await startSqsEmulator({ maxReceiveCount: 2, visibilityTimeoutSeconds: 30 });
    client = new SQSClient(sqs.clientConfig);
    dlq = new SqsDeadLetterQueue({ client, queueUrl: sqs.dlqUrl, waitTimeSeconds: 0 });
    tables = await createTestTables();
  });
  afterAll(async () => {
    client?.destroy();
    await sqs?.stop();
    await tables?.dispose();
  });

  /** Receives from the main queue without deleting until SQS dead-letters everything. */
  const failUntilDeadLettered = async (count: number) => {
    for (let round = 0; round < 10; round++) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: sqs.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
      if (Messages.length === 0) break;
    }
    expect((await dlq.list()).length).toBe(count);
  };

  const drainMain = async (): Promise<Message[]> => {
    const all: Message[] = [];
    for (;;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) return all;
      all.push(...Messages);
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: sqs.queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  };

  const summary = (letters: DeadLetter[]) =>
    letters
      .map((l) => `${l.eventType ?? 'junk'}:${l.aggregateId ?? '-'}:${l.version ?? '-'}`)
      .sort();

  it('lists dead letters with what the body says, without consuming them', async () => {
    const bodies = [
      messageBody(registered('alpha')),
      messageBody(envelope('alpha', 2, 'CustomerSuspended', { reason: 'r' }), true),
      messageBody(registered('beta')),
      'not json at all',
    ];
    for (const MessageBody of bodies) {
      await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl, MessageBody }));
    }
    await failUntilDeadLettered(4);

    const first = await dlq.list();
    expect(summary(first)).toEqual([
      'CustomerRegistered:alpha:1',
      'CustomerRegistered:beta:1',
      'CustomerSuspended:alpha:2',
      'junk:-:-',
    ]);
    const thin = first.find((l) => l.version === 2);
    expect(thin?.thin).toBe(true);
    for (const letter of first) {
      // More receives than maxReceiveCount (2) is what sent it here.
      expect(letter.receiveCount).toBeGreaterThan(2);
      expect(Date.parse(letter.firstReceivedAt ?? '')).toBeGreaterThan(0);
      expect(Date.parse(letter.sentAt ?? '')).toBeGreaterThan(0);
    }
    const junk = first.find((l) => l.eventType === undefined);
    expect(junk?.bodyError).toBe('Message body is not JSON');
    expect(junk?.bodyPreview).toBe('not json at all');

    // Listing again sees the same messages: nothing was consumed.
    const again = await dlq.list();
    expect(again.map((l) => l.messageId).sort()).toEqual(first.map((l) => l.messageId).sort());
    expect(await dlq.list({ max: 3 })).toHaveLength(3);
  });

  it('redrives one aggregate, then the rest, sending before deleting', async () => {
    const before = await dlq.list();
    const one = await dlq.redrive({ targetQueueUrl: sqs.queueUrl, aggregateId: 'alpha' });
    expect(summary(one.moved)).toEqual(['CustomerRegistered:alpha:1', 'CustomerSuspended:alpha:2']);
    expect(one).toMatchObject({ skipped: 2, failed: [] });
    const onMain = await drainMain();
    expect(onMain.map((m) => m.Body).sort()).toEqual(
      before
        .filter((l) => l.aggregateId === 'alpha')
        .map((l) => l.bodyPreview)
        .sort(),
    );
    expect(summary(await dlq.list())).toEqual(['CustomerRegistered:beta:1', 'junk:-:-']);

    const rest = await dlq.redrive({ targetQueueUrl: sqs.queueUrl });
    expect(rest.moved).toHaveLength(2);
    expect(rest.skipped).toBe(0);
    expect(await dlq.list()).toEqual([]);
    expect((await drainMain()).map((m) => m.Body).sort()).toEqual(
      ['not json at all', messageBody(registered('beta'))].sort(),
    );
  });

  describe('npm run dlq', () => {
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
      const code = await runDlqCli(
        args,
        {
          PROJECTION_QUEUE_URL: sqs.queueUrl,
          PROJECTION_DLQ_URL: sqs.dlqUrl,
          AWS_ENDPOINT_URL_SQS: sqs.endpoint,
          AWS_REGION: sqs.region,
          AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
          COMMAND_TABLE: tables.eventStoreTableName,
        },
        io,
      );
      return { code, out, err };
    };

    it('lists with a diagnosis from the event store and redrives by aggregate', async () => {
      const events = new DynamoDBEventStore({
        client: tables.documentClient,
        tableName: tables.eventStoreTableName,
      });
      // A poison event: the projection refuses its payload.
      const poison = envelope('gamma', 2, 'CustomerEmailUpdated', { newEmail: 42 });
      await events.append('gamma', [registered('gamma')], { expectedVersion: 0 });
      await events.append('gamma', [poison], { expectedVersion: 1 });
      await events.append('delta', [registered('delta')], { expectedVersion: 0 });
      for (const body of [messageBody(poison), messageBody(registered('delta'))]) {
        await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl, MessageBody: body }));
      }
      await failUntilDeadLettered(2);

      const listed = await cli('list', '--diagnose', '--json');
      expect(listed.err).toEqual([
        `Using AWS_ENDPOINT_URL_SQS=${sqs.endpoint} (region ${sqs.region}).`,
      ]);
      expect(listed.code).toBe(0);
      const { messages } = JSON.parse(listed.out.join('')) as {
        messages: Array<DeadLetter & { diagnosis: string | null }>;
      };
      const byAggregate = new Map(messages.map((m) => [m.aggregateId, m]));
      expect(byAggregate.get('gamma')?.diagnosis).toContain('malformed');
      expect(byAggregate.get('delta')?.diagnosis).toBeNull();

      const text = await cli('list', '--diagnose');
      expect(text.out[0]).toMatch(/^Using AWS_ENDPOINT_URL_SQS=/);
      expect(text.out[1]).toMatch(/^2 message\(s\) in /);
      expect(text.out.join('\n')).toContain('CustomerEmailUpdated v2 of gamma');

      const redriven = await cli('redrive', '--aggregate', 'delta', '--json');
      expect(redriven.code).toBe(0);
      const report = JSON.parse(redriven.out.join('')) as { moved: DeadLetter[]; skipped: number };
      expect(report.moved.map((l) => l.aggregateId)).toEqual(['delta']);
      expect(report.skipped).toBe(1);
      expect((await drainMain()).map((m) => m.Body)).toEqual([messageBody(registered('delta'))]);
      expect(summary(await dlq.list())).toEqual(['CustomerEmailUpdated:gamma:2']);
    });

    it('exits 2 with the reason on a bad call', async () => {
      expect((await cli()).code).toBe(2);
      const unknown = await cli('purge');
      expect(unknown.code).toBe(2);
      expect(unknown.err.join('')).toContain('unknown action "purge"');
    });
  });
});
