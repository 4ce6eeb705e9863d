import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  customerViewReaderContract,
  view,
} from '../../../test/contract/customer-view-reader.contract.js';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import { unshardedViewItem, viewItem } from '../../../test/support/view-items.js';
import type { CustomerView } from '../../app/customer/customer-view-reader.js';
import { StoreUnavailableError } from '../../core/errors.js';
import { createTableIfMissing } from './create-tables.js';
import { DynamoDBCustomerViewReader } from './dynamodb-customer-view-reader.js';
import { customerViewsTable, customerViewsTableLayout1 } from './table-definitions.js';

let shared: TestTables | undefined;
const created: string[] = [];
afterAll(async () => {
  for (const TableName of created) {
    await shared?.client.send(new DeleteTableCommand({ TableName })).catch(() => {});
  }
  await shared?.dispose();
});

const clientTables = async (): Promise<TestTables> => {
  shared ??= await createTestTables();
  return shared;
};

/** A fresh views table alone: the current layout, or the first deployment's (`byStatus`, `byEmail`). */
const viewsTable = async (layout: 1 | 2) => {
  const tables = await clientTables();
  const name = `views${layout}-${randomUUID().slice(0, 8)}`;
  await createTableIfMissing(
    tables.client,
    name,
    layout === 1 ? customerViewsTableLayout1 : customerViewsTable,
  );
  created.push(name);
  return { tables, tableName: name };
};

const putter =
  (tables: TestTables, tableName: string, item: (view: CustomerView) => Record<string, unknown>) =>
  async (v: CustomerView) => {
    await tables.documentClient.send(new PutCommand({ TableName: tableName, Item: item(v) }));
  };

// Fresh tables per test: the contract's tests count what they find.
customerViewReaderContract('DynamoDBCustomerViewReader (layout 2: sharded)', async () => {
  const { tables, tableName } = await viewsTable(2);
  const reader = new DynamoDBCustomerViewReader({ client: tables.documentClient, tableName });
  return { reader, put: putter(tables, tableName, viewItem) };
});

// A table the first deployment made and wrote keeps answering (but lists no domain).
customerViewReaderContract('DynamoDBCustomerViewReader (layout 1, its own items)', async () => {
  const { tables, tableName } = await viewsTable(1);
  const reader = new DynamoDBCustomerViewReader({ client: tables.documentClient, tableName });
  return { reader, put: putter(tables, tableName, unshardedViewItem), listsDomains: false };
});

/** A document client that counts the queries it sends, by index. */
const countingQueries = (client: DynamoDBDocumentClient) => {
  const queries: string[] = [];
  const counting = {
    send: (command: unknown) => {
      if (command instanceof QueryCommand) queries.push(command.input.IndexName ?? '');
      return client.send(command as QueryCommand);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client: counting, queries };
};

describe('DynamoDBCustomerViewReader across layouts', () => {
  it('finds a layout-1 table out once, from its first answer, then queries its one key', async () => {
    const { tables, tableName } = await viewsTable(1);
    const put = putter(tables, tableName, unshardedViewItem);
    for (const n of [1, 2, 3]) await put(view(n));
    const { client, queries } = countingQueries(tables.documentClient);
    const reader = new DynamoDBCustomerViewReader({ client, tableName });
    const first = await reader.listByStatus('ACTIVE', { limit: 2 });
    expect(first.items.map((v) => v.customerId)).toEqual(['cust-01', 'cust-02']);
    queries.length = 0;
    const second = await reader.listByStatus('ACTIVE', { limit: 2, cursor: first.nextCursor });
    expect(second).toEqual({ items: [view(3)] });
    expect(queries).toEqual(['byStatus']);
  });

  it('answers from a layout-1 table the items this version writes into it', async () => {
    const { tables, tableName } = await viewsTable(1);
    const put = putter(tables, tableName, viewItem);
    await Promise.all([1, 2, 3].map((n) => put(view(n))));
    await put(view(4, { email: 'Other@X.com' }));
    const reader = new DynamoDBCustomerViewReader({ client: tables.documentClient, tableName });
    const active = await reader.listByStatus('ACTIVE', { limit: 3 });
    expect(active.items.map((v) => v.customerId)).toEqual(['cust-01', 'cust-02', 'cust-03']);
    const rest = await reader.listByStatus('ACTIVE', { limit: 3, cursor: active.nextCursor });
    expect(rest).toEqual({ items: [view(4, { email: 'Other@X.com' })] });
    const exact = await reader.findByEmail('other@x.com', { limit: 3 });
    expect(exact.items.map((v) => v.customerId)).toEqual(['cust-04']);
  });

  it('spreads a status over its shards and reads each with a small batch, not a page each', async () => {
    const { tables, tableName } = await viewsTable(2);
    const put = putter(tables, tableName, viewItem);
    await Promise.all(Array.from({ length: 59 }, (_, i) => put(view(i + 1))));
    const { client, queries } = countingQueries(tables.documentClient);
    const reader = new DynamoDBCustomerViewReader({ client, tableName });
    const page = await reader.listByStatus('ACTIVE', { limit: 50 });
    expect(page.items.map((v) => v.customerId)).toEqual(
      Array.from({ length: 50 }, (_, i) => view(i + 1).customerId),
    );
    expect(new Set(queries)).toEqual(new Set(['byStatusShard']));
    expect(queries.length).toBeGreaterThanOrEqual(32);
  });
});

describe('DynamoDBCustomerViewReader on DynamoDB itself', () => {
  let tables: TestTables;
  beforeAll(async () => {
    tables = await clientTables();
  });

  it('turns throttling that outlived the SDK retries into StoreUnavailableError', async () => {
    const throttled = {
      send: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
    } as unknown as DynamoDBDocumentClient;
    const reader = new DynamoDBCustomerViewReader({ client: throttled, tableName: 'views' });
    await expect(reader.get('cust-01')).rejects.toThrow(StoreUnavailableError);
    await expect(reader.listByStatus('ACTIVE', { limit: 5 })).rejects.toThrow(
      StoreUnavailableError,
    );
    await expect(reader.searchByEmailPrefix('a', { limit: 5 })).rejects.toThrow(
      StoreUnavailableError,
    );
  });

  it('reports a fault of the store other than throttling as it is', async () => {
    const reader = new DynamoDBCustomerViewReader({
      client: tables.documentClient,
      tableName: 'no-such-table',
    });
    await expect(reader.get('cust-01')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
