import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import type { StoredBranchKeyVersion } from '../../core/branch-keys.js';
import { DynamoDBBranchKeyStore } from './dynamodb-branch-key-store.js';

describe('DynamoDBBranchKeyStore', () => {
  let tables: TestTables;
  let store: DynamoDBBranchKeyStore;
  const now = new Date('2026-12-06T05:00:00.000Z');
  /** Read back as bytes of another class than written: compared by content. */
  const plain = (stored: StoredBranchKeyVersion | undefined) =>
    stored && { ...stored, wrapped: Buffer.from(stored.wrapped) };
  const version = (id: string, v: string) => ({
    branchKeyId: id,
    version: v,
    wrapped: randomBytes(64),
  });

  beforeAll(async () => {
    tables = await createTestTables();
    store = new DynamoDBBranchKeyStore({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
      now: () => now,
    });
  });
  afterAll(async () => {
    await tables?.dispose();
  });

  it('stores the first version and makes it active; a second first version is refused', async () => {
    const first = version('bk-a', 'v1');
    expect(await store.activate(first, undefined)).toBe(true);
    expect(await store.activate(version('bk-a', 'v1-racer'), undefined)).toBe(false);
    expect(plain(await store.getActive('bk-a'))).toEqual(plain(first));
    expect(plain(await store.getVersion('bk-a', 'v1'))).toEqual(plain(first));
    expect(await store.getVersion('bk-a', 'v1-racer')).toBeUndefined();
    const { Item } = await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: 'BRANCH_KEY#bk-a', SK: 'ACTIVE' },
      }),
    );
    // Not an event: the stream's publisher and the scans for streams pass it by.
    expect(Item).toMatchObject({
      itemType: 'BRANCH_KEY_ACTIVE',
      branchKeyVersion: 'v1',
      activatedAt: now.toISOString(),
    });
  });

  it('moves the active version only from the one expected; older versions stay', async () => {
    const first = version('bk-b', 'v1');
    const second = version('bk-b', 'v2');
    await store.activate(first, undefined);
    expect(await store.activate(second, 'v1')).toBe(true);
    // A racer that still saw v1 as active loses, and stores nothing.
    expect(await store.activate(version('bk-b', 'v3'), 'v1')).toBe(false);
    expect(plain(await store.getActive('bk-b'))).toEqual(plain(second));
    expect(plain(await store.getVersion('bk-b', 'v1'))).toEqual(plain(first));
    expect(await store.getVersion('bk-b', 'v3')).toBeUndefined();
  });

  it('has nothing for a branch key never written', async () => {
    expect(await store.getActive('bk-none')).toBeUndefined();
  });
});
