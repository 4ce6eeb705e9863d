import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import type { CustomerViewRecord } from '../../app/customer/customer-view.js';

let tables: TestTables;

beforeAll(async () => {
  tables = await createTestTables();
});
afterAll(() => tables.dispose());

const view = (customerId: string, version: number): CustomerViewRecord =>
  ({
    customerId,
    email: `${customerId}@example.com`,
    name: 'Zoe',
    status: 'ACTIVE',
    registrationDate: '2024-01-01T00:00:00.000Z',
    lastUpdated: '2024-01-02T00:00:00.000Z',
    version,
  }) as CustomerViewRecord;

describe('DynamoDBCustomerViewStore.getMany (BatchGetItem)', () => {
  it('returns the stored views of 150 ids (two calls of at most 100 keys), leaving out those with none', async () => {
    const ids = Array.from({ length: 150 }, (_, n) => `bg-${n}`);
    const stored = ids.filter((_, n) => n % 3 !== 0);
    for (const [n, id] of stored.entries()) await tables.views.put(id, view(id, (n % 4) + 1), 0);

    const found = await tables.views.getMany([...ids, 'bg-1']);

    expect([...found.keys()].sort()).toEqual([...stored].sort());
    for (const id of stored) expect(found.get(id)).toEqual(await tables.views.get(id));
  });

  it('reads what was just written (consistent read) and answers an empty list with nothing', async () => {
    await tables.views.put('bg-fresh', view('bg-fresh', 1), 0);
    await tables.views.put('bg-fresh', view('bg-fresh', 2), 1);
    expect((await tables.views.getMany(['bg-fresh'])).get('bg-fresh')?.version).toBe(2);
    expect((await tables.views.getMany([])).size).toBe(0);
  });
});
