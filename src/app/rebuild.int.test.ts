import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedView, runHistories } from '../../test/support/customer-histories.js';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import { deliverShuffled } from '../../test/support/projection-scenario.js';
import type { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import type { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { createProjectorHandler } from './projector.js';
import { rebuildViews } from './rebuild.js';

let tables: TestTables;
let events: DynamoDBEventStore;
let views: DynamoDBCustomerViewStore;

beforeAll(async () => {
  tables = await createTestTables();
  ({ events, views } = tables);
});
afterAll(() => tables.dispose());

/** Every item of the views table, index keys included, by customer id. */
const scanViews = async () => {
  const items = new Map<string, Record<string, unknown>>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await tables.documentClient.send(
      new ScanCommand({
        TableName: tables.viewsTableName,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) items.set(item.customerId as string, item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};

describe('rebuildViews on DynamoDB', () => {
  it('reproduces the projector-built read model exactly after every view is deleted', async () => {
    const histories = Array.from({ length: 60 }, (_, i) =>
      (['email', 'suspend', 'email', 'reactivate', 'email'] as const).slice(0, i % 6),
    );
    const ids = await runHistories(events, histories, 'rb');
    const streams = await Promise.all(ids.map((id) => events.readStream(id)));
    const delivery = await deliverShuffled({
      handlers: [createProjectorHandler({ events, views })],
      streams,
      seed: 42,
    });
    expect(delivery.failures).toEqual([]);
    const projected = await scanViews();
    expect(projected.size).toBe(60);
    for (const id of ids) expect(await views.get(id)).toEqual(await expectedView(events, id));

    for (const customerId of projected.keys()) {
      await tables.documentClient.send(
        new DeleteCommand({ TableName: tables.viewsTableName, Key: { customerId } }),
      );
    }
    expect((await scanViews()).size).toBe(0);

    const report = await rebuildViews({ catalog: events, events, views, pageSize: 7 });
    expect(report).toMatchObject({ discovered: 60, processed: 60, updated: 60, failed: 0 });
    expect(await scanViews()).toEqual(projected);

    // Running it again while nothing changed is a no-op.
    const again = await rebuildViews({ catalog: events, events, views });
    expect(again).toMatchObject({ processed: 60, updated: 0, failed: 0 });
    expect(await scanViews()).toEqual(projected);
  }, 120_000);
});
