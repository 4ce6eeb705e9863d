/**
 * `npm run retire-views -- --table <name> [--delete-table] [--scan-limit N]`: the last step
 * of a blue/green switch. The retired view table holds every customer's email, name and
 * suspension note in plaintext, and a forget after the switch reaches only the live one;
 * this erases every item of the retired table (paged scan, batch deletes), or with
 * `--delete-table` deletes the table. Refuses the live views table (`QUERY_TABLE`), the
 * event store (`COMMAND_TABLE`) and any table whose key is not a view table's. Finds the
 * local stack `npm start` runs, unless AWS settings are given (see `ops-target.ts`).
 * Resumable: stopped, it carries on by running again (the scan finds only what is left).
 */
import { parseArgs } from 'node:util';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { eraseTableItems } from '../adapters/dynamodb/erase-table-items.js';
import { customerViewsTable } from '../adapters/dynamodb/table-definitions.js';
import type { Env } from '../local/local-endpoints.js';
import { endpointClientConfig } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK } from './cli-io.js';
import { runOpsTool } from './ops-session.js';
import { progressBar } from './progress-bar.js';

/** Table names DynamoDB accepts. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** A view table's key: `customerId` alone, as the shared definition makes it. */
const isViewTableKey = (table: TableDescription): boolean => {
  const keys = table.KeySchema ?? [];
  return (
    keys.length === 1 &&
    keys[0]?.KeyType === 'HASH' &&
    keys[0]?.AttributeName === customerViewsTable.partitionKey.name &&
    customerViewsTable.sortKey === undefined
  );
};

const describeTable = async (
  client: DynamoDBClient,
  tableName: string,
): Promise<TableDescription | undefined> => {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
};

export const runRetireViewsCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
  options: { progress?: boolean } = {},
): Promise<number> =>
  runOpsTool({ env, io, label: 'retire-views failed' }, async (open) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        table: { type: 'string' },
        'delete-table': { type: 'boolean', default: false },
        // Items a scan page evaluates: smaller pages, finer progress.
        'scan-limit': { type: 'string' },
      },
      strict: true,
    });
    const table = values.table;
    if (table === undefined) throw new RangeError('--table <name> is required: the retired table');
    if (!TABLE_NAME.test(table))
      throw new RangeError(`--table must be a DynamoDB table name, not "${table}"`);
    const limit = values['scan-limit'] === undefined ? undefined : Number(values['scan-limit']);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new RangeError('--scan-limit must be a positive whole number');

    const session = open();
    const { config } = session.service;
    if (table === config.QUERY_TABLE)
      throw new Error(
        `${table} is the live views table (QUERY_TABLE): switch the service to the new table first, then retire the old one`,
      );
    if (table === config.COMMAND_TABLE)
      throw new Error(`${table} is the event store (COMMAND_TABLE), not a views table`);

    const clientConfig = endpointClientConfig(session.env, 'DYNAMODB', 'us-east-1');
    const client = session.aws.dynamodb(clientConfig);
    const documents = session.aws.documents(clientConfig);
    try {
      const description = await describeTable(client, table);
      if (!description) throw new Error(`there is no table ${table} (already deleted?)`);
      if (!isViewTableKey(description))
        throw new Error(`${table} is not a views table: its key is not customerId alone`);

      if (values['delete-table']) {
        await client.send(new DeleteTableCommand({ TableName: table }));
        await waitUntilTableNotExists({ client, maxWaitTime: 600 }, { TableName: table });
        io.out(`deleted the table ${table}`);
        return EXIT_OK;
      }

      // ItemCount is DynamoDB's estimate (refreshed about every six hours): the bar's total.
      const estimate = description.ItemCount ?? 0;
      const bar = progressBar(
        'retire-views [{bar}] {value}/{total} items erased',
        options.progress,
      );
      bar?.start(estimate, 0);
      const deleted = await eraseTableItems({
        client: documents,
        tableName: table,
        keyNames: [customerViewsTable.partitionKey.name],
        ...(limit ? { pageLimit: limit } : {}),
        onProgress: (done) => {
          if (done > estimate) bar?.setTotal(done);
          bar?.update(done);
        },
      });
      bar?.stop();
      // Whatever a second pass finds was written during the first: something still writes here.
      const late = await eraseTableItems({
        client: documents,
        tableName: table,
        keyNames: [customerViewsTable.partitionKey.name],
      });
      io.out(`${deleted + late} items erased from ${table}`);
      if (late > 0) {
        io.err(
          `${late} items were written to ${table} while it was erased: is a projector or rebuild still writing to it? Stop it and run again.`,
        );
        return EXIT_FINDINGS;
      }
      io.out(`${table} is empty; delete it with --delete-table once nothing refers to it`);
      return EXIT_OK;
    } finally {
      client.destroy();
      documents.destroy();
    }
  });

runAsScript(import.meta.url, () => runRetireViewsCli(process.argv.slice(2)));
