import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableIfMissing } from '../../src/adapters/dynamodb/create-tables.js';
import { customerViewsTable } from '../../src/adapters/dynamodb/table-definitions.js';
import type { CliIo } from '../../src/ops/cli-io.js';
import { runRetireViewsCli } from '../../src/ops/retire-views-cli.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

/**
 * The last step of a blue/green switch, on DynamoDB Local: the retired view table, full of
 * plaintext personal data, is emptied or deleted; the live one and the events never are.
 */
let tables: TestTables;

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
  return { io, out, err };
};
/** What an operator sets to point the tool at this DynamoDB, the live table named. */
const toolEnv = () => ({
  AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
  AWS_REGION: 'us-east-1',
  COMMAND_TABLE: tables.eventStoreTableName,
  QUERY_TABLE: tables.viewsTableName,
});
const view = (i: number) => ({
  customerId: `c-${i}-${randomUUID().slice(0, 8)}`,
  email: `retired.${i}@example.com`,
  name: `Retired Person ${i}`,
  status: 'ACTIVE',
  version: 1,
});
const fill = async (tableName: string, count: number) => {
  for (let i = 0; i < count; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, (_, j) =>
        tables.documentClient.send(new PutCommand({ TableName: tableName, Item: view(i + j) })),
      ),
    );
  }
};
const count = async (tableName: string) => {
  let total = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await tables.documentClient.send(
      new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey }),
    );
    total += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return total;
};
const retiredTable = async () => {
  const name = `customer-views-old-${randomUUID().slice(0, 8)}`;
  await createTableIfMissing(tables.client, name, customerViewsTable);
  return name;
};
const exists = async (tableName: string) =>
  tables.client.send(new DescribeTableCommand({ TableName: tableName })).then(
    () => true,
    (error: { name?: string }) => {
      if (error.name === 'ResourceNotFoundException') return false;
      throw error;
    },
  );

beforeAll(async () => {
  tables = await createTestTables();
});
afterAll(async () => {
  await tables?.dispose();
});

describe('npm run retire-views', () => {
  it('erases every item of the retired table, page by page, and leaves the live one alone', async () => {
    const retired = await retiredTable();
    await fill(retired, 130);
    await fill(tables.viewsTableName, 5);
    const { io, out, err } = capture();

    const code = await runRetireViewsCli(
      ['--table', retired, '--scan-limit', '40'],
      toolEnv(),
      io,
      { progress: false },
    );
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toContain(`130 items erased from ${retired}`);
    expect(await count(retired)).toBe(0);
    expect(await count(tables.viewsTableName)).toBe(5);
    // The table itself stays until --delete-table; a second run finds nothing left.
    expect(await exists(retired)).toBe(true);
    const again = capture();
    expect(
      await runRetireViewsCli(['--table', retired], toolEnv(), again.io, { progress: false }),
    ).toBe(0);
    expect(again.out).toContain(`0 items erased from ${retired}`);
  });

  it('refuses the live views table, the event store and a table that is not a views table', async () => {
    await fill(tables.viewsTableName, 3);
    const before = await count(tables.viewsTableName);
    const refusals: [string, RegExp][] = [
      [tables.viewsTableName, /is the live views table \(QUERY_TABLE\)/],
      [tables.eventStoreTableName, /is the event store \(COMMAND_TABLE\)/],
      [`customer-views-none-${randomUUID().slice(0, 8)}`, /there is no table/],
    ];
    for (const [table, why] of refusals) {
      const { io, err } = capture();
      expect(await runRetireViewsCli(['--table', table, '--delete-table'], toolEnv(), io)).toBe(2);
      expect(err.join('\n')).toMatch(why);
    }
    // The event store's layout under another name: its key is not a view table's.
    const other = capture();
    const env = { ...toolEnv(), COMMAND_TABLE: 'events-elsewhere' };
    expect(await runRetireViewsCli(['--table', tables.eventStoreTableName], env, other.io)).toBe(2);
    expect(other.err.join('\n')).toMatch(/is not a views table/);
    expect(await count(tables.viewsTableName)).toBe(before);
    expect(await exists(tables.eventStoreTableName)).toBe(true);
    const missing = capture();
    expect(await runRetireViewsCli([], toolEnv(), missing.io)).toBe(2);
    expect(missing.err.join('\n')).toMatch(/--table <name> is required/);
  });

  it('deletes the retired table with --delete-table, through the npm script', async () => {
    const retired = await retiredTable();
    await fill(retired, 10);
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'retire-views', '--', '--table', retired, '--delete-table'],
      { env: { ...process.env, ...toolEnv() } },
    );
    expect(stdout).toContain(`deleted the table ${retired}`);
    expect(await exists(retired)).toBe(false);
    expect(await exists(tables.viewsTableName)).toBe(true);
  });
});
