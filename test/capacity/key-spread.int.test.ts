import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import {
  customerViewsTable,
  eventStoreTable,
  type TableDefinition,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { customerModule } from '../../src/app/customer/module.js';
import { EmailPopulation, seededRandom } from '../../src/capacity/email-population.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { localClientConfig } from '../support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';

/**
 * Done when (issue 18): a realistic workload through the local stack leaves no partition-key
 * value of any table or index holding more than 5% of that index's items. Real-world email
 * shapes (src/capacity/data/email-shapes.json) and the goal's mix: registrations, then 80%
 * email changes, 15% registrations and 5% suspensions.
 */
const MAX_SHARE = 0.05;
/**
 * Enough items that a key's share measures the layout, not the sample: with 32 shards a key's
 * expected share is ~3.1%, and at ~1,300 items its spread is ±0.5 points. Ids come from a
 * seeded generator, so the counts are the same at every run.
 */
const REGISTERED_FIRST = 1100;
const MIXED = 500;
const CONCURRENCY = 8;

const config = configWithOwnTables();
let runtime: LocalRuntime;
const shares = new Map<string, { key: string; count: number; items: number }>();

const inPool = async <T>(items: T[], work: (item: T) => Promise<unknown>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
};

/** Every item of a table or index, counted by the value of the partition key it is under. */
const countKeys = async (
  client: ReturnType<typeof createDocumentClient>,
  tableName: string,
  label: string,
  definition: TableDefinition,
) => {
  const targets = [
    { name: label, indexName: undefined, key: definition.partitionKey.name },
    ...definition.globalSecondaryIndexes.map((index) => ({
      name: `${label}/${index.indexName}`,
      indexName: index.indexName,
      key: index.partitionKey.name,
    })),
  ];
  for (const target of targets) {
    const counts = new Map<string, number>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          ...(target.indexName ? { IndexName: target.indexName } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const value = item[target.key];
        if (value !== undefined) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    let hottest = { key: '', count: 0 };
    for (const [key, count] of counts) if (count > hottest.count) hottest = { key, count };
    const items = [...counts.values()].reduce((n, c) => n + c, 0);
    shares.set(target.name, { ...hottest, items });
  }
};

beforeAll(async () => {
  const dynamodb = localClientConfig(inject('dynamoEndpoint'));
  runtime = await startLocalRuntime({ config, dynamodb, visibilityTimeoutSeconds: 1 });
  const commands = runtime.service.aggregate(customerModule).commands;
  const people = new EmailPopulation(18);
  const random = seededRandom(18);
  const ids = seededRandom(1818);
  const nextId = () =>
    Array.from({ length: 4 }, () =>
      Math.floor(ids() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    )
      .join('')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const run = (input: unknown) => commands.execute(input, { correlationId: randomUUID() });
  const active: string[] = [];
  const register = async () => {
    const customerId = nextId();
    await run({ type: 'RegisterCustomer', data: { customerId, ...people.next() } });
    active.push(customerId);
  };
  await inPool(Array.from({ length: REGISTERED_FIRST }), register);
  const mixed = Array.from({ length: MIXED }, () => random());
  await inPool(mixed, async (draw) => {
    if (draw < 0.15) return register();
    const at = Math.floor(random() * active.length);
    const customerId = active[at] as string;
    if (draw < 0.95) {
      return run({ type: 'UpdateEmail', data: { customerId, newEmail: people.next().email } });
    }
    active.splice(at, 1);
    return run({ type: 'SuspendCustomer', data: { customerId, reasonCode: 'CUSTOMER_REQUEST' } });
  });
  await runtime.waitUntilIdle(60_000);
  const client = createDocumentClient(dynamodb);
  await countKeys(client, config.COMMAND_TABLE, 'CustomerEvents', eventStoreTable);
  await countKeys(client, config.QUERY_TABLE, 'CustomerViews', customerViewsTable);
  client.destroy();
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
  await dropTables(config);
});

const targets = [
  'CustomerEvents',
  ...eventStoreTable.globalSecondaryIndexes.map((i) => `CustomerEvents/${i.indexName}`),
  'CustomerViews',
  ...customerViewsTable.globalSecondaryIndexes.map((i) => `CustomerViews/${i.indexName}`),
];

describe(`no partition-key value holds more than ${MAX_SHARE * 100}% of its index's items`, () => {
  for (const target of targets) {
    it(target, () => {
      const found = shares.get(target);
      expect(found?.items ?? 0).toBeGreaterThan(REGISTERED_FIRST / 2);
      const share = (found?.count ?? 0) / (found?.items ?? 1);
      expect(
        share,
        `hottest key ${found?.key}: ${found?.count} of ${found?.items}`,
      ).toBeLessThanOrEqual(MAX_SHARE);
    });
  }
});
