import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { toCustomerViewItem } from '../src/adapters/dynamodb/customer-view-item.js';
import { DynamoDBCustomerViewReader } from '../src/adapters/dynamodb/dynamodb-customer-view-reader.js';
import {
  customerViewsTable,
  customerViewsTableLayout1,
} from '../src/adapters/dynamodb/table-definitions.js';
import type { CustomerView, CustomerViewPage } from '../src/app/customer/customer-view-reader.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { median, ratio, round } from './stats.js';

/**
 * The read model's lists on the write-sharded layout (a fan-out over 32 status shards, 4
 * shards of a first character, one key for an exact address) against the first deployment's
 * single keys, in one run over the same views: milliseconds and Query calls per page.
 * DynamoDB Local answers each shard's query in turn on one machine, so the ratio is an upper
 * bound of the fan-out's cost; on AWS the shards are served in parallel.
 */
export type ViewQuery = 'active first page' | 'active 5 pages' | 'prefix "m"' | 'exact address';
const QUERIES: ViewQuery[] = ['active first page', 'active 5 pages', 'prefix "m"', 'exact address'];

export interface ViewQueryRow {
  query: ViewQuery;
  singleKeyMs: number;
  shardedMs: number;
  /** Sharded over single key. */
  ratio: number;
  singleKeyQueries: number;
  shardedQueries: number;
}

export interface ViewQueryResults {
  views: number;
  repeats: number;
  rows: ViewQueryRow[];
}

const LETTERS = 'mjsacdkrbtlepngh';

const viewOf = (i: number): CustomerView => ({
  customerId: `bench-${String(i).padStart(6, '0')}`,
  email: `${LETTERS[i % LETTERS.length]}user${i}@${i % 3 === 0 ? 'gmail.com' : 'example.com'}`,
  name: `Bench ${i}`,
  status: i % 20 === 0 ? 'SUSPENDED' : 'ACTIVE',
  registrationDate: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  lastUpdated: new Date(Date.UTC(2026, 0, 2)).toISOString(),
  version: 1,
});

/** A client that counts the Query calls sent through it. */
const countingQueries = (client: DynamoDBDocumentClient) => {
  const count = { queries: 0 };
  const wrapped = {
    send: (command: unknown) => {
      if (command instanceof QueryCommand) count.queries++;
      return client.send(command as QueryCommand);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client: wrapped, count };
};

const run = async (
  reader: DynamoDBCustomerViewReader,
  query: ViewQuery,
  exact: string,
): Promise<void> => {
  if (query === 'active first page') await reader.listByStatus('ACTIVE', { limit: 20 });
  else if (query === 'prefix "m"') await reader.searchByEmailPrefix('m', { limit: 20 });
  else if (query === 'exact address') await reader.findByEmail(exact, { limit: 20 });
  else {
    let page: CustomerViewPage | undefined;
    for (let i = 0; i < 5 && (i === 0 || page?.nextCursor); i++) {
      page = await reader.listByStatus('ACTIVE', {
        limit: 20,
        ...(page?.nextCursor ? { cursor: page.nextCursor } : {}),
      });
    }
  }
};

export const runViewQueries = async (
  db: BenchDynamoDB,
  options: BenchOptions,
  progress: Progress,
): Promise<ViewQueryResults> => {
  const views = options.smoke ? 40 : options.quick ? 200 : 2000;
  const repeats = options.smoke ? 1 : options.quick ? 3 : 15;
  const tables = { single: 'bench-views-layout1', sharded: 'bench-views-layout2' };
  await db.createTable(tables.single, customerViewsTableLayout1);
  await db.createTable(tables.sharded, customerViewsTable);
  progress.log(`view queries: writing ${views} views into both layouts`);
  const items = Array.from({ length: views }, (_, i) => toCustomerViewItem(viewOf(i)));
  for (let i = 0; i < items.length; i += 25) {
    const chunk = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (const table of Object.values(tables)) {
      await db.documentClient.send(new BatchWriteCommand({ RequestItems: { [table]: chunk } }));
    }
  }
  const exact = String(items[views - 1]?.emailLower);
  const readers = {
    single: countingQueries(db.documentClient),
    sharded: countingQueries(db.documentClient),
  };
  const reader = {
    single: new DynamoDBCustomerViewReader({
      client: readers.single.client,
      tableName: tables.single,
      layout: 1,
    }),
    sharded: new DynamoDBCustomerViewReader({
      client: readers.sharded.client,
      tableName: tables.sharded,
      layout: 2,
    }),
  };
  const rows: ViewQueryRow[] = [];
  for (const query of QUERIES) {
    const ms = { single: [] as number[], sharded: [] as number[] };
    const calls = { single: 0, sharded: 0 };
    for (let r = 0; r < repeats; r++) {
      // Alternating which goes first, so both see the same moments of a shared machine.
      const order =
        r % 2 === 0 ? (['single', 'sharded'] as const) : (['sharded', 'single'] as const);
      for (const layout of order) {
        const before = readers[layout].count.queries;
        const started = performance.now();
        await run(reader[layout], query, exact);
        ms[layout].push(performance.now() - started);
        calls[layout] += readers[layout].count.queries - before;
      }
    }
    const singleKeyMs = round(median(ms.single));
    const shardedMs = round(median(ms.sharded));
    rows.push({
      query,
      singleKeyMs,
      shardedMs,
      ratio: round(ratio(shardedMs, singleKeyMs)),
      singleKeyQueries: round(calls.single / repeats, 1),
      shardedQueries: round(calls.sharded / repeats, 1),
    });
  }
  await db.deleteTable(tables.single);
  await db.deleteTable(tables.sharded);
  return { views, repeats, rows };
};

export const renderViewQueries = (results: ViewQueryResults): string =>
  [
    `### Read model lists: write-sharded vs single key (${results.views} views, median of ${results.repeats})`,
    '',
    '| query | single key ms | sharded ms | ratio | Query calls (single / sharded) |',
    '|---|---:|---:|---:|---:|',
    ...results.rows.map(
      (r) =>
        `| ${r.query} | ${r.singleKeyMs} | ${r.shardedMs} | ${r.ratio} | ${r.singleKeyQueries} / ${r.shardedQueries} |`,
    ),
    '',
  ].join('\n');
