import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import type { CustomerView } from '../../app/customer/customer-view.js';
import { isViewConflictError, ViewConflictError } from '../../core/view-store.js';
import type { DynamoDBCustomerViewStore } from './dynamodb-customer-view-store.js';

let tables: TestTables;
let store: DynamoDBCustomerViewStore;

beforeAll(async () => {
  tables = await createTestTables();
  store = tables.views;
});
afterAll(() => tables.dispose());

const view = (customerId: string, version: number, extra: Partial<CustomerView> = {}) =>
  ({
    customerId,
    email: 'Zoe@Example.COM',
    name: 'Zoe',
    status: 'ACTIVE',
    registrationDate: '2024-01-01T00:00:00.000Z',
    lastUpdated: `2024-01-0${version}T00:00:00.000Z`,
    version,
    ...extra,
  }) satisfies CustomerView;

describe('DynamoDBCustomerViewStore', () => {
  it('stores a new view with its index keys and reads back the public view', async () => {
    await store.put('v-1', view('v-1', 1), 0);
    expect(await store.get('v-1')).toEqual(view('v-1', 1));
    const { Item } = await tables.documentClient.send(
      new GetCommand({ TableName: tables.viewsTableName, Key: { customerId: 'v-1' } }),
    );
    expect(Item).toMatchObject({
      emailLower: 'zoe@example.com',
      emailBucket: 'z',
      statusSortKey: '2024-01-01T00:00:00.000Z#v-1',
    });
    expect(await store.get('missing')).toBeUndefined();
  });

  it('writes only over the version that was read', async () => {
    await store.put('v-2', view('v-2', 1), 0);
    await store.put(
      'v-2',
      view('v-2', 2, { status: 'SUSPENDED', suspensionReasonCode: 'FRAUD', suspensionReason: 'r' }),
      1,
    );
    await expect(store.put('v-2', view('v-2', 3), 1)).rejects.toBeInstanceOf(ViewConflictError);
    await expect(store.put('v-2', view('v-2', 1), 0)).rejects.toSatisfy(isViewConflictError);
    expect(await store.get('v-2')).toEqual(
      view('v-2', 2, { status: 'SUSPENDED', suspensionReasonCode: 'FRAUD', suspensionReason: 'r' }),
    );
    // A whole-item write: the reason goes when the view no longer has it.
    await store.put('v-2', view('v-2', 3), 2);
    expect(await store.get('v-2')).toEqual(view('v-2', 3));
  });

  it('lets exactly one of two racing writers win', async () => {
    await store.put('v-3', view('v-3', 1), 0);
    const results = await Promise.allSettled([
      store.put('v-3', view('v-3', 2, { name: 'A' }), 1),
      store.put('v-3', view('v-3', 2, { name: 'B' }), 1),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.status === 'rejected' && isViewConflictError(lost.reason)).toBe(true);
  });
});
