import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import { subjectOf } from '../../core/data-subject.js';
import { ValidationError } from '../../core/errors.js';
import { DynamoDBSubjectKeyStore } from './dynamodb-subject-key-store.js';
import { DynamoDBWrappedSecretStore } from './dynamodb-wrapped-secret-store.js';

describe('DynamoDBSubjectKeyStore', () => {
  let tables: TestTables;
  let store: DynamoDBSubjectKeyStore;
  const now = new Date('2025-02-03T04:05:06.000Z');

  beforeAll(async () => {
    tables = await createTestTables();
    store = new DynamoDBSubjectKeyStore({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
      now: () => now,
    });
  });
  afterAll(async () => {
    await tables?.dispose();
  });

  const rawItem = async (PK: string, SK: string) =>
    (
      await tables.documentClient.send(
        new GetCommand({ TableName: tables.eventStoreTableName, Key: { PK, SK } }),
      )
    ).Item;

  it('stores a wrapped key as a DATA_KEY item beside the events and reads it back', async () => {
    const customerId = randomUUID();
    expect(await store.get(customerId)).toBeUndefined();
    const wrapped = randomBytes(120);
    const stored = await store.putIfAbsent(customerId, wrapped);
    expect(stored.created).toBe(true);
    expect(Buffer.from(stored.wrapped)).toEqual(wrapped);
    expect(Buffer.from((await store.get(customerId)) ?? [])).toEqual(wrapped);
    const item = await rawItem(`KEY#${customerId}`, 'KEY');
    expect(item).toEqual({
      PK: `KEY#${customerId}`,
      SK: 'KEY',
      itemType: 'DATA_KEY',
      customerId,
      wrappedKey: expect.any(Uint8Array),
      createdAt: '2025-02-03T04:05:06.000Z',
    });
  });

  it("finds a customer's key as stored before subjects had types, under the bare id", async () => {
    const customerId = randomUUID();
    const wrapped = randomBytes(96);
    // The item exactly as written before stream types existed.
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.eventStoreTableName,
        Item: {
          PK: `KEY#${customerId}`,
          SK: 'KEY',
          itemType: 'DATA_KEY',
          customerId,
          wrappedKey: wrapped,
          createdAt: '2024-06-01T00:00:00.000Z',
        },
      }),
    );
    const subject = subjectOf('Customer', customerId);
    expect(Buffer.from((await store.get(subject)) ?? [])).toEqual(wrapped);
    expect((await store.putIfAbsent(subject, randomBytes(96))).created).toBe(false);
    expect(await store.get(subjectOf('Order', customerId))).toBeUndefined();
  });

  it('keeps the key of a stream of another type apart from a customer of the same id', async () => {
    const id = randomUUID();
    const customerKey = randomBytes(64);
    const orderKey = randomBytes(64);
    await store.putIfAbsent(subjectOf('Customer', id), customerKey);
    await store.putIfAbsent(subjectOf('Order', id), orderKey);
    expect(Buffer.from((await store.get(subjectOf('Order', id))) ?? [])).toEqual(orderKey);
    expect(await rawItem(`KEY#Order#${id}`, 'KEY')).toMatchObject({ customerId: `Order#${id}` });
    expect(await store.delete(subjectOf('Order', id))).toBe(true);
    expect(Buffer.from((await store.get(subjectOf('Customer', id))) ?? [])).toEqual(customerKey);
    expect(await store.get(subjectOf('Order', id))).toBeUndefined();
  });

  it('keeps the first key: a second put gets the stored one back', async () => {
    const customerId = randomUUID();
    const first = randomBytes(64);
    await store.putIfAbsent(customerId, first);
    const second = await store.putIfAbsent(customerId, randomBytes(64));
    expect(second.created).toBe(false);
    expect(Buffer.from(second.wrapped)).toEqual(first);
  });

  it('converges racing writers for a new subject on exactly one key', async () => {
    const customerId = randomUUID();
    const candidates = Array.from({ length: 12 }, () => randomBytes(64));
    const results = await Promise.all(candidates.map((w) => store.putIfAbsent(customerId, w)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)?.wrapped ?? new Uint8Array();
    for (const result of results) expect(Buffer.from(result.wrapped)).toEqual(Buffer.from(winner));
    expect(Buffer.from((await store.get(customerId)) ?? [])).toEqual(Buffer.from(winner));
  });

  it('deletes a key, reporting whether there was one', async () => {
    const customerId = randomUUID();
    await store.putIfAbsent(customerId, randomBytes(64));
    expect(await store.delete(customerId)).toBe(true);
    expect(await store.get(customerId)).toBeUndefined();
    expect(await rawItem(`KEY#${customerId}`, 'KEY')).toBeUndefined();
    expect(await store.delete(customerId)).toBe(false);
  });

  it('refuses empty ids and empty keys, naming the field, and writes nothing', async () => {
    const before = await countItems();
    const attempts: [Promise<unknown>, string][] = [
      [store.putIfAbsent('', randomBytes(8)), 'subjectId'],
      [store.putIfAbsent('  ', randomBytes(8)), 'subjectId'],
      [store.putIfAbsent(randomUUID(), new Uint8Array()), 'wrappedKey'],
      [store.get(''), 'subjectId'],
      [store.delete(''), 'subjectId'],
    ];
    for (const [attempt, field] of attempts) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toEqual([{ field, message: expect.any(String) }]);
    }
    expect(await countItems()).toBe(before);
  });

  it('stays out of the event streams: listing aggregates finds no key item', async () => {
    await store.putIfAbsent(randomUUID(), randomBytes(64));
    const ids: string[] = [];
    for await (const page of tables.events.listAggregateIds()) ids.push(...page);
    expect(ids).toEqual([]);
  });

  const countItems = async () =>
    (
      await tables.documentClient.send(
        new ScanCommand({ TableName: tables.eventStoreTableName, Select: 'COUNT' }),
      )
    ).Count ?? 0;
});

describe('DynamoDBWrappedSecretStore', () => {
  let tables: TestTables;
  beforeAll(async () => {
    tables = await createTestTables();
  });
  afterAll(async () => {
    await tables?.dispose();
  });

  it('keeps one wrapped secret per name, whichever of several processes stores first', async () => {
    const stores = [1, 2, 3].map(
      () =>
        new DynamoDBWrappedSecretStore({
          client: tables.documentClient,
          tableName: tables.eventStoreTableName,
        }),
    );
    const results = await Promise.all(
      stores.map((s) => s.putIfAbsent('email-claims', randomBytes(64))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const stored = await stores[0]?.get('email-claims');
    for (const r of results) expect(Buffer.from(r.wrapped)).toEqual(Buffer.from(stored ?? []));
    const { Item } = await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: 'SECRET#email-claims', SK: 'SECRET' },
      }),
    );
    expect(Item).toMatchObject({ itemType: 'WRAPPED_SECRET', name: 'email-claims' });
    expect(await stores[1]?.get('other')).toBeUndefined();
  });
});
