import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localClientConfig } from '../../../test/support/dynamodb.js';
import type { LoyaltyAccountView } from '../../../test/support/loyalty/view.js';
import { loyaltyAccountViewsTable } from '../../../test/support/loyalty/view-table.js';
import { ViewConflictError } from '../../core/view-store.js';
import { createTableIfMissing } from './create-tables.js';
import { createDocumentClient } from './document-client.js';
import { DynamoDBViewStore } from './dynamodb-view-store.js';

const config = localClientConfig(inject('dynamoEndpoint'));
const client = new DynamoDBClient(config);
const documentClient = createDocumentClient(config);
const tableName = `loyalty-views-${randomUUID().slice(0, 8)}`;
const store = new DynamoDBViewStore<LoyaltyAccountView>({
  client: documentClient,
  tableName,
  keyName: 'accountId',
});

const view = (accountId: string, version: number, extra: Partial<LoyaltyAccountView> = {}) =>
  ({
    accountId,
    ownerName: 'Grace',
    points: version * 10,
    status: 'OPEN',
    version,
    lastUpdated: `2026-01-0${version}T00:00:00.000Z`,
    ...extra,
  }) satisfies LoyaltyAccountView;
const stored = async (accountId: string) =>
  (await documentClient.send(new GetCommand({ TableName: tableName, Key: { accountId } }))).Item;

beforeAll(() => createTableIfMissing(client, tableName, loyaltyAccountViewsTable));
afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
  client.destroy();
  documentClient.destroy();
});

describe('DynamoDBViewStore, one item per stream under a key it is told', () => {
  it('stores a view as its fields and reads it back; none for an id never written', async () => {
    await store.put('a-1', view('a-1', 1), 0);
    expect(await stored('a-1')).toEqual(view('a-1', 1));
    expect(await store.get('a-1')).toEqual(view('a-1', 1));
    expect(await store.get('a-none')).toBeUndefined();
  });

  it('writes only over the version read, and the whole item', async () => {
    await store.put('a-2', view('a-2', 1), 0);
    await expect(store.put('a-2', view('a-2', 1), 0)).rejects.toBeInstanceOf(ViewConflictError);
    await expect(store.put('a-2', view('a-2', 3), 2)).rejects.toBeInstanceOf(ViewConflictError);
    const { ownerName: _gone, ...closed } = view('a-2', 2, { status: 'CLOSED', points: 0 });
    await store.put('a-2', closed, 1);
    expect(await stored('a-2')).toEqual(closed);
  });

  it('refuses a view under another stream’s id', async () => {
    await expect(store.put('a-3', view('a-4', 1), 0)).rejects.toBeInstanceOf(RangeError);
    expect(await stored('a-3')).toBeUndefined();
  });

  it('reads a batch of views, leaving out ids with none', async () => {
    await store.put('a-5', view('a-5', 1), 0);
    const found = await store.getMany(['a-1', 'a-5', 'a-none']);
    expect([...found.keys()].sort()).toEqual(['a-1', 'a-5']);
    expect(found.get('a-5')).toEqual(view('a-5', 1));
  });

  it('replaces an item only if it is still exactly as read', async () => {
    await store.put('a-6', view('a-6', 1), 0);
    const read = await store.getStored('a-6');
    expect(read?.item).toEqual(view('a-6', 1));
    await store.put('a-6', view('a-6', 2), 1);
    await expect(store.replace('a-6', view('a-6', 1), read)).rejects.toBeInstanceOf(
      ViewConflictError,
    );
    const again = await store.getStored('a-6');
    await store.replace('a-6', view('a-6', 1, { points: 99 }), again);
    expect(await stored('a-6')).toEqual(view('a-6', 1, { points: 99 }));
    await expect(store.replace('a-7', view('a-7', 1), undefined)).resolves.toBeUndefined();
    await expect(store.replace('a-7', view('a-7', 1), undefined)).rejects.toBeInstanceOf(
      ViewConflictError,
    );
  });

  it('scans every item in pages of the size asked', async () => {
    const pages: number[] = [];
    const ids: string[] = [];
    for await (const page of store.scan({ pageSize: 2 })) {
      pages.push(page.length);
      ids.push(...page.map((item) => String(item.accountId)));
    }
    expect(ids.sort()).toEqual(['a-1', 'a-2', 'a-5', 'a-6', 'a-7']);
    expect(Math.max(...pages)).toBeLessThanOrEqual(2);
  });

  it('serves the audit: whole items by id, a paged scan, and the id of each item', async () => {
    const audit = store.auditSource();
    expect(await audit.get('a-5')).toEqual(view('a-5', 1));
    expect(await audit.get('a-none')).toBeUndefined();
    const ids: string[] = [];
    for await (const page of audit.scan({ pageSize: 3 }))
      ids.push(...page.map((i) => audit.idOf?.(i) ?? ''));
    expect(ids.sort()).toEqual(['a-1', 'a-2', 'a-5', 'a-6', 'a-7']);
    expect(audit.storesIndexKeys).toBe(false);
  });
});

describe('DynamoDBViewStore with an item mapping', () => {
  const mapped = new DynamoDBViewStore<LoyaltyAccountView>({
    client: documentClient,
    tableName,
    keyName: 'accountId',
    storesIndexKeys: true,
    mapping: {
      toItem: (v) => ({ ...v, statusKey: `${v.status}#${v.accountId}` }),
      fromItem: ({ statusKey: _key, ...rest }) => rest as unknown as LoyaltyAccountView,
      // An older layout stored `balance` where `points` is today.
      readItem: ({ balance, ...rest }) =>
        balance === undefined ? rest : { ...rest, points: balance },
    },
  });

  it('stores the extra attributes, and reads older items through readItem', async () => {
    await mapped.put('m-1', view('m-1', 1), 0);
    expect(await stored('m-1')).toEqual({ ...view('m-1', 1), statusKey: 'OPEN#m-1' });
    expect(await mapped.get('m-1')).toEqual(view('m-1', 1));
    const { points: _p, ...older } = view('m-1', 1);
    await documentClient.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...older, accountId: 'm-2', balance: 7 },
      }),
    );
    expect(await mapped.get('m-2')).toEqual(view('m-2', 1, { points: 7 }));
    expect((await mapped.getStored('m-2'))?.stored).toMatchObject({ balance: 7 });
  });
});
