import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import { CommandHandler, type RequestFingerprint } from '../../core/command-handler.js';
import { IdempotencyKeyReusedError } from '../../core/errors.js';
import type { DomainEvent, EventEnvelope, StreamRef } from '../../core/event.js';
import type { StreamChange } from '../../core/stream-changes.js';
import { createUpcaster, firstVersion } from '../../core/upcasting.js';
import { DynamoDBEventStore, toEventItem } from './dynamodb-event-store.js';
import { DynamoDBStreamChanges } from './dynamodb-stream-changes.js';

/**
 * Two stream types in one table, as the composition registers them: `CUSTOMER#` streams are
 * Customers', `ORDER#` streams Orders'. Ids are unique within a type only, so both hold `x-1`.
 */
const STREAM_TYPES = { CUSTOMER: 'Customer', ORDER: 'Order' };
const HOUR = '2026-12-01T10';
const at = (second: number) => `${HOUR}:00:${String(second).padStart(2, '0')}.000Z`;

type Noted = DomainEvent<'Noted', { n: number }>;
/** Every command notes one more event: enough to write streams through the command handler. */
const noting = {
  initialState: () => 0,
  decide: (_command: unknown, count: number): Noted[] => [
    { type: 'Noted', data: { n: count + 1 } },
  ],
  evolve: (count: number) => count + 1,
};
const upcaster = createUpcaster<Noted>({ Noted: firstVersion<{ n: number }>() });
/** One request, fingerprinted alike on both sides: only the type tells the records apart. */
const fingerprint: RequestFingerprint = {
  value: 'same-request',
  matches: (r) => r === 'same-request',
};

let tables: TestTables;
let nextId = 0;
let customers: DynamoDBEventStore;
let orders: DynamoDBEventStore;

const handlerFor = (aggregateType: string, store: DynamoDBEventStore, second: number) =>
  new CommandHandler({
    aggregateType,
    decider: noting,
    store,
    clock: { now: () => new Date(at(second)) },
    ids: { newId: () => `${aggregateType}-event-${++nextId}` },
    upcaster,
  });

const rawItem = async (PK: string, SK: string) =>
  (
    await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK, SK },
        ConsistentRead: true,
      }),
    )
  ).Item;

const collect = async <T>(pages: AsyncIterable<T[]>): Promise<T[]> => {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
};
const byKey = (a: StreamRef, b: StreamRef) =>
  `${a.aggregateType}#${a.aggregateId}`.localeCompare(`${b.aggregateType}#${b.aggregateId}`);

describe('streams of several types in one table', () => {
  beforeAll(async () => {
    tables = await createTestTables();
    const table = { client: tables.documentClient, tableName: tables.eventStoreTableName };
    customers = new DynamoDBEventStore({
      ...table,
      streamPrefix: 'CUSTOMER',
      aggregateType: 'Customer',
      streamTypes: STREAM_TYPES,
    });
    orders = new DynamoDBEventStore({
      ...table,
      streamPrefix: 'ORDER',
      aggregateType: 'Order',
      streamTypes: STREAM_TYPES,
    });
    await handlerFor('Customer', customers, 1).handle('c-1', {}, { correlationId: 'c' });
    await handlerFor('Customer', customers, 2).handle(
      'x-1',
      {},
      { correlationId: 'c', commandId: 'key-customer', fingerprint },
    );
    await handlerFor('Customer', customers, 3).handle('x-1', {}, { correlationId: 'c' });
    await handlerFor('Order', orders, 4).handle('o-1', {}, { correlationId: 'o' });
    await handlerFor('Order', orders, 5).handle('x-1', {}, { correlationId: 'o' });
    // A stream of a type no module declares (its prefix is in no map), written without a type.
    const { aggregateType: _, ...untyped } = toEventItem('INVOICE', {
      eventId: 'inv-1',
      aggregateType: 'Invoice',
      aggregateId: 'i-1',
      eventType: 'InvoiceIssued',
      payload: {},
      timestamp: at(6),
      version: 1,
      metadata: { correlationId: 'i', schemaVersion: 1 },
    });
    await tables.documentClient.send(
      new PutCommand({ TableName: tables.eventStoreTableName, Item: untyped }),
    );
  });
  afterAll(async () => {
    await tables?.dispose();
  });

  it('stores the type on every event item and reads each stream as its own type', async () => {
    expect(await rawItem('ORDER#x-1', 'EVENT#0000000001')).toMatchObject({
      aggregateType: 'Order',
      aggregateId: 'x-1',
    });
    expect((await customers.readStream('x-1')).map((e) => [e.aggregateType, e.version])).toEqual([
      ['Customer', 1],
      ['Customer', 2],
    ]);
    expect((await orders.load('x-1')).events.map((e) => [e.aggregateType, e.version])).toEqual([
      ['Order', 1],
    ]);
  });

  it('types each change of the change index by its prefix; an unknown prefix reads as ?<prefix>', async () => {
    const changes = new DynamoDBStreamChanges({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
      streamTypes: STREAM_TYPES,
    });
    const seen = await collect<StreamChange>(changes.changesBetween(at(0), at(59)));
    expect(
      seen
        .map(({ aggregateType, aggregateId, version, timestamp }) => ({
          aggregateType,
          aggregateId,
          version,
          timestamp,
        }))
        .sort((a, b) => a.timestamp.localeCompare(b.timestamp)),
    ).toEqual([
      { aggregateType: 'Customer', aggregateId: 'c-1', version: 1, timestamp: at(1) },
      { aggregateType: 'Customer', aggregateId: 'x-1', version: 1, timestamp: at(2) },
      { aggregateType: 'Customer', aggregateId: 'x-1', version: 2, timestamp: at(3) },
      { aggregateType: 'Order', aggregateId: 'o-1', version: 1, timestamp: at(4) },
      { aggregateType: 'Order', aggregateId: 'x-1', version: 1, timestamp: at(5) },
      { aggregateType: '?INVOICE', aggregateId: 'i-1', version: 1, timestamp: at(6) },
    ]);
  });

  it('lists every stream of the table with its type; each store lists only its own ids', async () => {
    const everyStream = [
      { aggregateType: '?INVOICE', aggregateId: 'i-1' },
      { aggregateType: 'Customer', aggregateId: 'c-1' },
      { aggregateType: 'Customer', aggregateId: 'x-1' },
      { aggregateType: 'Order', aggregateId: 'o-1' },
      { aggregateType: 'Order', aggregateId: 'x-1' },
    ];
    expect((await collect(customers.listStreams({ pageSize: 2 }))).sort(byKey)).toEqual(
      everyStream,
    );
    // Page by page with a cursor, as a resumable rebuild reads it: the same streams.
    const paged: StreamRef[] = [];
    for await (const { streams } of orders.listStreamPages({ limit: 2 })) paged.push(...streams);
    expect(paged.sort(byKey)).toEqual(everyStream);

    expect((await collect(customers.listAggregateIds())).sort()).toEqual(['c-1', 'x-1']);
    expect((await collect(orders.listAggregateIds())).sort()).toEqual(['o-1', 'x-1']);
    const orderPages: string[] = [];
    for await (const { ids } of orders.listAggregateIdPages({ limit: 2 })) orderPages.push(...ids);
    expect(orderPages.sort()).toEqual(['o-1', 'x-1']);
  });

  it("answers a key recorded on another type's stream of the same id as reused, never as a replay", async () => {
    expect(await customers.findCommand('key-customer')).toEqual({
      commandId: 'key-customer',
      aggregateType: 'Customer',
      aggregateId: 'x-1',
      version: 1,
      requestHash: 'same-request',
    });
    const orderHandler = handlerFor('Order', orders, 7);
    await expect(
      orderHandler.handle(
        'x-1',
        {},
        { correlationId: 'o', commandId: 'key-customer', fingerprint },
      ),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await orders.readStream('x-1')).toHaveLength(1);

    // The Order's own key replays as ever.
    const context = { correlationId: 'o', commandId: 'key-order', fingerprint };
    const first = await orderHandler.handle('x-1', {}, context);
    expect(first).toMatchObject({ version: 2, replayed: false });
    expect(await orderHandler.handle('x-1', {}, context)).toMatchObject({
      version: 2,
      replayed: true,
    });
    expect(await orders.findCommand('key-order')).toMatchObject({
      aggregateType: 'Order',
      aggregateId: 'x-1',
    });
  });

  it("deletes a stream's own command records, not another type's of the same id", async () => {
    // An Order event naming the Customer's key (the key expired once, and was used again).
    const [latest] = (await orders.readStream('x-1')).slice(-1) as [EventEnvelope];
    await orders.append(
      'x-1',
      [
        {
          ...latest,
          eventId: 'reused-key',
          version: latest.version + 1,
          metadata: { ...latest.metadata, commandId: 'key-customer' },
        },
      ],
      { expectedVersion: latest.version },
    );
    expect(await orders.deleteCommandRecords('x-1')).toBe(1);
    expect(await orders.findCommand('key-order')).toBeUndefined();
    expect(await customers.findCommand('key-customer')).toMatchObject({
      aggregateType: 'Customer',
      aggregateId: 'x-1',
    });
    expect(await customers.deleteCommandRecords('x-1')).toBe(1);
    expect(await customers.findCommand('key-customer')).toBeUndefined();
  });

  it('stores the type on snapshot items', async () => {
    await orders.saveSnapshot('x-1', { version: 2, schemaVersion: 1, state: 2, takenAt: at(8) });
    expect(await rawItem('ORDER#x-1', 'SNAPSHOT')).toMatchObject({
      aggregateType: 'Order',
      aggregateId: 'x-1',
      version: 2,
    });
    expect((await orders.load('x-1', { snapshotSchemaVersion: 1 })).snapshot?.version).toBe(2);
  });
});
