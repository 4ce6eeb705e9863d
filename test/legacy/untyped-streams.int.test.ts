import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../src/adapters/memory/in-memory-metrics.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { parseEventNotification } from '../../src/app/event-notification.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { METRIC } from '../../src/core/metrics.js';
import { silentLogger } from '../../src/core/ports.js';
import type { StreamChange } from '../../src/core/stream-changes.js';
import { type SqsEmulator, startSqsEmulator } from '../../src/local/sqs-emulator.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

/**
 * Items and messages exactly as the deployment before stream types wrote them: no
 * `aggregateType` anywhere. The keys are spelled out on purpose, so that a change of layout
 * cannot go unseen. Each must read as a Customer's, without a migration.
 */
const HOUR = '2026-11-30T08';
const at = (second: number) => `${HOUR}:00:0${second}.000Z`;
/** `shardOf('old-ada', 32)`, as the deployment computed it. */
const SHARD_OF_OLD_ADA = 23;
const eventItem = (
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion: number,
) => ({
  PK: 'CUSTOMER#old-ada',
  SK: `EVENT#${String(version).padStart(10, '0')}`,
  itemType: 'EVENT',
  // The change-index key as written then: the hour and the stream's shard of 32.
  changeBucket: `${HOUR}#${SHARD_OF_OLD_ADA}`,
  eventId: `old-ada-${version}`,
  aggregateId: 'old-ada',
  eventType,
  payload,
  timestamp: at(version),
  version,
  metadata: { correlationId: 'old-corr', schemaVersion, commandId: 'old-key' },
});

const registered = eventItem(1, 'CustomerRegistered', { email: 'ada@old.example', name: 'Ada' }, 1);
const suspended = eventItem(2, 'CustomerSuspended', { reason: 'chargeback' }, 1);
const snapshot = {
  PK: 'CUSTOMER#old-ada',
  SK: 'SNAPSHOT',
  itemType: 'SNAPSHOT',
  aggregateId: 'old-ada',
  version: 2,
  schemaVersion: 2,
  state: {
    status: 'SUSPENDED',
    email: 'ada@old.example',
    name: 'Ada',
    suspension: { reasonCode: 'OTHER', note: 'chargeback' },
  },
  takenAt: at(3),
};
const commandRecord = {
  PK: 'COMMAND#old-key',
  SK: 'COMMAND',
  itemType: 'COMMAND',
  aggregateId: 'old-ada',
  version: 1,
  requestHash: 'old-fingerprint',
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
};

/** An SQS body as the projection rule delivered it: `detail` without a stream type. */
const queuedBody = (detail: Record<string, unknown>) =>
  JSON.stringify({
    version: '0',
    id: `eb-${String(detail.eventId)}`,
    'detail-type': detail.eventType,
    source: 'customer.service',
    account: '000000000000',
    time: detail.timestamp,
    region: 'eu-west-1',
    resources: [],
    detail,
  });

/** A fake EventBridge that keeps the details it accepted. */
const fakeBus = () => {
  const details: Record<string, unknown>[] = [];
  const client = {
    async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
      const entries = command.input.Entries ?? [];
      for (const entry of entries) details.push(JSON.parse(entry.Detail ?? '{}'));
      return {
        $metadata: {},
        FailedEntryCount: 0,
        Entries: entries.map((_, i) => ({ EventId: `eb-${i}` })),
      };
    },
  };
  return { client, details };
};

let tables: TestTables;
let service: Service;
let bus: ReturnType<typeof fakeBus>;
const metrics = new InMemoryMetrics();

const collect = async <T>(pages: AsyncIterable<T[]>): Promise<T[]> => {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
};

describe('items and messages written before the stream type travelled read as Customer', () => {
  beforeAll(async () => {
    tables = await createTestTables();
    for (const Item of [registered, suspended, snapshot, commandRecord]) {
      await tables.documentClient.send(
        new PutCommand({ TableName: tables.eventStoreTableName, Item }),
      );
    }
    bus = fakeBus();
    service = new Service({
      config: readConfig({
        COMMAND_TABLE: tables.eventStoreTableName,
        QUERY_TABLE: tables.viewsTableName,
      }),
      logger: silentLogger,
      metrics,
      clients: { dynamodb: tables.documentClient, eventBridge: bus.client },
    });
  });
  afterAll(async () => {
    await tables?.dispose();
  });

  it('the store reads the events and the snapshot as a Customer stream', async () => {
    const loaded = await service.storedEvents.load('old-ada', { snapshotSchemaVersion: 2 });
    expect(loaded.snapshot).toEqual({
      version: 2,
      schemaVersion: 2,
      state: snapshot.state,
      takenAt: at(3),
    });
    expect(loaded.version).toBe(2);
    const events = await service.storedEvents.readStream('old-ada');
    expect(events.map((e) => [e.aggregateType, e.aggregateId, e.version])).toEqual([
      ['Customer', 'old-ada', 1],
      ['Customer', 'old-ada', 2],
    ]);
  });

  it('the command record reads as a Customer command, and its retry replays', async () => {
    expect(await service.storedEvents.findCommand('old-key')).toEqual({
      commandId: 'old-key',
      aggregateType: 'Customer',
      aggregateId: 'old-ada',
      version: 1,
      requestHash: 'old-fingerprint',
    });
    const commands = new CustomerCommandService({
      store: service.storedEvents,
      fingerprints: {
        of: async () => ({ value: 'old-fingerprint', matches: (r) => r === 'old-fingerprint' }),
      },
    });
    const retried = await commands.execute(
      {
        type: 'RegisterCustomer',
        data: { customerId: 'old-ada', email: 'ada@old.example', name: 'Ada' },
      },
      { correlationId: 'retry', commandId: 'old-key' },
    );
    expect(retried).toMatchObject({ customerId: 'old-ada', version: 1, replayed: true });
  });

  it('the publisher reads the stream image as a Customer event and upcasts it as one', async () => {
    const { Item: image } = await tables.client.send(
      new GetItemCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: { S: 'CUSTOMER#old-ada' }, SK: { S: 'EVENT#0000000002' } },
        ConsistentRead: true,
      }),
    );
    const result = await service.publisher({
      Records: [
        {
          eventName: 'INSERT',
          dynamodb: {
            SequenceNumber: '1',
            // The SDK's and aws-lambda's AttributeValue types describe the same JSON.
            NewImage: image as Record<string, AttributeValue>,
          },
        },
      ],
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(bus.details).toEqual([
      {
        eventId: 'old-ada-2',
        aggregateType: 'Customer',
        aggregateId: 'old-ada',
        eventType: 'CustomerSuspended',
        payload: { reasonCode: 'OTHER', note: 'chargeback' },
        timestamp: at(2),
        version: 2,
        metadata: { correlationId: 'old-corr', schemaVersion: 3, commandId: 'old-key' },
      },
    ]);
    expect(metrics.total(METRIC.unregisteredStreamType)).toBe(0);
  });

  it('the change reader reads the change-index entries as Customer changes', async () => {
    const changes = await collect<StreamChange>(
      service.streamChanges.changesBetween(`${HOUR}:00:00.000Z`, `${HOUR}:59:59.999Z`),
    );
    expect(changes.sort((a, b) => a.version - b.version)).toEqual([
      { aggregateType: 'Customer', aggregateId: 'old-ada', version: 1, timestamp: at(1) },
      { aggregateType: 'Customer', aggregateId: 'old-ada', version: 2, timestamp: at(2) },
    ]);
  });

  it("the catalog lists the stream as a Customer's", async () => {
    expect(await collect(service.storedEvents.listStreams())).toEqual([
      { aggregateType: 'Customer', aggregateId: 'old-ada' },
    ]);
    expect(await collect(service.eventStore.listAggregateIds())).toEqual(['old-ada']);
  });

  it('the Customer store deletes the untyped command record of its stream', async () => {
    expect(await service.storedEvents.deleteCommandRecords('old-ada')).toBe(1);
    expect(await service.storedEvents.findCommand('old-key')).toBeUndefined();
  });

  describe('messages already in the queue', () => {
    let sqs: SqsEmulator;
    let sqsClient: SQSClient;
    beforeAll(async () => {
      sqs = await startSqsEmulator();
      sqsClient = new SQSClient(sqs.clientConfig);
    });
    afterAll(async () => {
      sqsClient?.destroy();
      await sqs?.stop();
    });

    it('a full and a thin notification without a type read as Customer notifications', async () => {
      const { PK: _pk, SK: _sk, itemType: _it, changeBucket: _cb, ...full } = suspended;
      // The oldest thin notifications carry neither timestamp nor correlation id.
      const thin = {
        thin: true,
        aggregateId: 'old-ada',
        version: 1,
        eventType: 'CustomerRegistered',
        eventId: 'old-ada-1',
      };
      for (const detail of [full, thin]) {
        await sqsClient.send(
          new SendMessageCommand({ QueueUrl: sqs.queueUrl, MessageBody: queuedBody(detail) }),
        );
      }
      const bodies: string[] = [];
      for (let receive = 0; receive < 10 && bodies.length < 2; receive++) {
        const { Messages = [] } = await sqsClient.send(
          new ReceiveMessageCommand({
            QueueUrl: sqs.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        for (const message of Messages) bodies.push(message.Body ?? '');
      }
      const notifications = bodies
        .map(parseEventNotification)
        .sort((a, b) => a.version - b.version);
      expect(notifications).toEqual([
        {
          aggregateType: 'Customer',
          aggregateId: 'old-ada',
          version: 1,
          eventType: 'CustomerRegistered',
          thin: true,
        },
        {
          aggregateType: 'Customer',
          aggregateId: 'old-ada',
          version: 2,
          eventType: 'CustomerSuspended',
          timestamp: at(2),
          correlationId: 'old-corr',
          thin: false,
        },
      ]);
    });
  });
});
