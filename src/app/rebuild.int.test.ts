import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedView, runHistories } from '../../test/support/customer-histories.js';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import { deliverShuffled } from '../../test/support/projection-scenario.js';
import { unshardedViewItem, viewItem } from '../../test/support/view-items.js';
import type { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import type { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import type { CliIo } from '../ops/cli-io.js';
import { runRebuildCli } from '../ops/rebuild-cli.js';
import type { CustomerView } from './customer/customer-view.js';
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
      handlers: [createProjectorHandler({ streams: customerStreams(events, views) })],
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

    const report = await rebuildViews({
      catalog: events,
      streams: customerStreams(events, views),
      pageSize: 7,
    });
    expect(report).toMatchObject({ discovered: 60, processed: 60, updated: 60, failed: 0 });
    expect(await scanViews()).toEqual(projected);

    // Running it again while nothing changed is a no-op.
    const again = await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
    expect(again).toMatchObject({ processed: 60, updated: 0, failed: 0 });
    expect(await scanViews()).toEqual(projected);
  }, 120_000);
});

describe('npm run rebuild -- --repair', () => {
  const rebuild = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
    const code = await runRebuildCli(
      args,
      {
        AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
        AWS_REGION: 'local',
        COMMAND_TABLE: tables.eventStoreTableName,
        QUERY_TABLE: tables.viewsTableName,
      },
      io,
      { progress: false },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const stored = async (customerId: string) =>
    (
      await tables.documentClient.send(
        new GetCommand({ TableName: tables.viewsTableName, Key: { customerId } }),
      )
    ).Item;
  const put = (item: Record<string, unknown>) =>
    tables.documentClient.send(new PutCommand({ TableName: tables.viewsTableName, Item: item }));

  it('restores a view written wrongly at its current version, which plain rebuild leaves alone', async () => {
    const [wrongId = '', aheadId = '', fineId = ''] = await runHistories(
      events,
      [['email'], ['suspend'], []],
      'repair',
    );
    await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
    const fold = async (id: string) => (await expectedView(events, id)) as CustomerView;
    const correct = await fold(wrongId);
    // Raw items: a wrong email at the stream's version in the first deployment's layout (its
    // keys alone are compared), a view far ahead in today's.
    const wrong = unshardedViewItem({ ...correct, email: 'wrong@example.com' });
    await put(wrong);
    const ahead = { ...viewItem(await fold(aheadId)), version: 30 };
    await put(ahead);
    const fine = await stored(fineId);

    const plain = await rebuild([]);
    expect(plain.err).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/streams replayed into .*: 0 views moved forward, 0 failed/);
    expect(await stored(wrongId)).toEqual(wrong);
    expect(await stored(aheadId)).toEqual(ahead);

    const repaired = await rebuild(['--repair']);
    expect(repaired.code).toBe(0);
    expect(repaired.out).toContain(
      '0 views moved forward, 2 rewritten (different or ahead), 0 failed',
    );
    expect(repaired.out).toContain(
      `rewritten customer-views of Customer ${wrongId}: different (email, emailBucket, emailLower)`,
    );
    expect(repaired.out).toContain(
      `rewritten customer-views of Customer ${aheadId}: ahead (version)`,
    );
    expect(await stored(wrongId)).toEqual(viewItem(correct));
    expect(await stored(aheadId)).toEqual(viewItem(await fold(aheadId)));
    expect(await stored(fineId)).toEqual(fine);

    const again = await rebuild(['--repair']);
    expect(again.out).toContain('0 rewritten');
    expect((await rebuild(['--repair', '--into', 'customer-views-x'])).code).toBe(2);
  });
});
