import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import { toEventItem } from '../adapters/dynamodb/dynamodb-event-store.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import { Service } from '../composition/service.js';
import { readConfig } from '../config.js';
import { METRIC } from '../core/metrics.js';
import { silentLogger } from '../core/ports.js';
import { CustomerCommandService } from './customer/customer-commands.js';
import { customerModule } from './customer/module.js';
import { rebuildViews } from './rebuild.js';

let tables: TestTables;
let service: Service;
const metrics = new InMemoryMetrics();
const meta = { correlationId: 'corr-reconciler' };

const register = (customerId: string) =>
  service.aggregate(customerModule).commands.execute(
    {
      type: 'RegisterCustomer',
      data: { customerId, email: `${customerId}@example.com`, name: 'R' },
    },
    meta,
  );
const changeEmail = (customerId: string) =>
  service
    .aggregate(customerModule)
    .commands.execute(
      { type: 'UpdateEmail', data: { customerId, newEmail: `new-${customerId}@example.com` } },
      meta,
    );
const viewOf = async (customerId: string) =>
  (
    await tables.documentClient.send(
      new GetCommand({ TableName: tables.viewsTableName, Key: { customerId } }),
    )
  ).Item;
/** A run as the schedule would start it, `minutes` after now (past the settle time). */
const runAt = (minutes: number) =>
  service.reconcile({ clock: { now: () => new Date(Date.now() + minutes * 60_000) } });

beforeAll(async () => {
  tables = await createTestTables();
  service = new Service({
    config: readConfig({
      COMMAND_TABLE: tables.eventStoreTableName,
      QUERY_TABLE: tables.viewsTableName,
    }),
    clients: { dynamodb: tables.documentClient },
    logger: silentLogger,
    metrics,
  });
});

afterAll(async () => {
  await tables?.dispose();
});

describe('the reconciler', () => {
  const [missing, behind, current, untouched] = ['missing', 'behind', 'current', 'untouched'].map(
    (role) => `${role}-${randomUUID()}`,
  ) as [string, string, string, string];

  it('heals the views whose last notification was lost, and leaves current ones alone', async () => {
    for (const id of [missing, behind, current]) await register(id);
    await changeEmail(behind);
    // The pipeline delivered `current` entirely and `behind` up to version 1 only.
    await tables.views.put(current, (await foldOf(current)) as never, 0);
    const v1 = (await tables.events.readStream(behind)).slice(0, 1);
    await tables.views.put(behind, (await foldOf(behind, v1.length)) as never, 0);
    const currentBefore = await viewOf(current);

    const report = await runAt(2);

    expect(report).toMatchObject({ healed: 2, failed: 0, complete: true });
    // Once per slice: a slice boundary between two events of a stream counts it twice.
    expect(report.streams).toBeGreaterThanOrEqual(3);
    expect(await viewOf(missing)).toMatchObject({ version: 1, email: `${missing}@example.com` });
    expect(await viewOf(behind)).toMatchObject({
      version: 2,
      email: `new-${behind}@example.com`,
    });
    expect(await viewOf(current)).toEqual(currentBefore);
    expect(metrics.total(METRIC.viewsHealed)).toBe(2);
    expect(metrics.total(METRIC.reconcileFailed)).toBe(0);
  });

  it('looks only at streams that changed since its last run, not at the whole table', async () => {
    // A stream that does not change again: its view vanishes, but no event says so.
    await register(untouched);
    // This run's checkpoint lies past every event written so far, overlap included.
    await runAt(50);
    await tables.documentClient.send(
      new DeleteCommand({ TableName: tables.viewsTableName, Key: { customerId: untouched } }),
    );
    // An hour later, well past the overlap: the earlier events are outside this run's range.
    const later = new CustomerCommandService({
      store: service.eventStore,
      clock: { now: () => new Date(Date.now() + 60 * 60_000) },
    });
    await later.execute(
      {
        type: 'UpdateEmail',
        data: { customerId: missing, newEmail: `later-${missing}@example.com` },
      },
      meta,
    );

    const report = await runAt(62);

    expect(report.streams).toBe(1);
    expect(report.healed).toBe(1);
    expect(await viewOf(missing)).toMatchObject({ version: 2 });
    expect(await viewOf(untouched)).toBeUndefined();
    expect(Date.parse(report.from)).toBeGreaterThan(Date.now());
  });

  it('leaves events written before the index to a rebuild, which still reads them', async () => {
    // An event item as the previous version wrote it: no changeBucket.
    const legacy = `legacy-${randomUUID()}`;
    const item = toEventItem('CUSTOMER', {
      eventId: randomUUID(),
      aggregateType: 'Customer',
      aggregateId: legacy,
      eventType: 'CustomerRegistered',
      payload: { email: `${legacy}@example.com`, name: 'Old' },
      timestamp: new Date(Date.now() + 61 * 60_000).toISOString(),
      version: 1,
      metadata: { correlationId: 'c-legacy', schemaVersion: 1 },
    });
    delete item.changeBucket;
    await tables.documentClient.send(
      new PutCommand({ TableName: tables.eventStoreTableName, Item: item }),
    );
    // Its timestamp lies in this run's range, but the index does not hold it.
    const report = await runAt(62.5);
    expect(report.healed).toBe(0);
    expect(await viewOf(legacy)).toBeUndefined();
    await rebuildViews({ ...service.rebuildSources });
    expect(await viewOf(legacy)).toMatchObject({ version: 1, email: `${legacy}@example.com` });
  });

  it('keeps its checkpoint in the event store, where no stream or publisher sees it', async () => {
    const report = await runAt(63);
    const { Item } = await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: `CHECKPOINT#reconciler#${tables.viewsTableName}`, SK: 'CHECKPOINT' },
      }),
    );
    expect(Item).toMatchObject({ itemType: 'CHECKPOINT', value: report.to });
    const ids: string[] = [];
    for await (const page of tables.events.listAggregateIds()) ids.push(...page);
    expect(ids.filter((id) => !id.startsWith('legacy-')).sort()).toEqual(
      [behind, current, missing, untouched].sort(),
    );
  });
});

/** The view as the projection folds the first `count` events (all when absent). */
const foldOf = async (customerId: string, count?: number) => {
  const { customerViewProjection } = await import('./customer/customer-view.js');
  const events = await tables.events.readStream(customerId);
  return events
    .slice(0, count ?? events.length)
    .reduce<unknown>(
      (view, event) => customerViewProjection.evolve(view as never, event),
      undefined,
    );
};
