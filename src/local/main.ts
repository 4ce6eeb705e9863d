/**
 * `npm start`: the whole service on one machine. Starts (or finds) DynamoDB, creates the
 * tables, runs the same handlers as on AWS behind local stand-ins, serves the HTTP API on
 * 127.0.0.1:$PORT, and on Ctrl-C stops everything it started.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableIfMissing } from '../adapters/dynamodb/create-tables.js';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { customerViewsTable, eventStoreTable } from '../adapters/dynamodb/table-definitions.js';
import { CustomerCommandService } from '../app/customer-commands.js';
import { createHttpApp } from '../app/http/app.js';
import { readConfig } from '../config.js';
import { resolveDynamoDB } from './dynamodb-target.js';
import { serveHttp } from './http-server.js';

const parsePort = (raw: string | undefined): number => {
  const port = Number(raw ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PORT must be a whole number from 1 to 65535, not "${raw}"`);
  }
  return port;
};

const main = async () => {
  const config = readConfig();
  const port = parsePort(process.env.PORT);
  const createTables =
    process.argv.includes('--create-tables') || process.env.CREATE_TABLES === 'true';
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    const dynamo = await resolveDynamoDB(process.env, {
      dataDir: process.env.DATA_DIR ?? '.data/dynamodb',
    });
    if (dynamo.local) {
      const local = dynamo.local;
      cleanups.push(() => local.stop());
    }
    const client = new DynamoDBClient(dynamo.clientConfig);
    if (dynamo.owned || createTables) {
      for (const [name, definition] of [
        [config.COMMAND_TABLE, eventStoreTable],
        [config.QUERY_TABLE, customerViewsTable],
      ] as const) {
        if (await createTableIfMissing(client, name, definition))
          console.log(`Created table ${name}`);
      }
    }
    const documentClient = createDocumentClient(dynamo.clientConfig);
    const store = new DynamoDBEventStore({
      client: documentClient,
      tableName: config.COMMAND_TABLE,
      loadWindow: config.SNAPSHOT_EVERY + 1,
    });
    const commands = new CustomerCommandService({ store, snapshotEvery: config.SNAPSHOT_EVERY });
    const server = await serveHttp(createHttpApp({ commands }), { port });
    cleanups.push(() => server.close());

    console.log(`Customer service listening on ${server.url}`);
    console.log(`  event store: ${dynamo.description}, table ${config.COMMAND_TABLE}`);
    console.log('Try:');
    console.log(
      `  curl -s -X POST ${server.url}/customers -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'`,
    );
    console.log('Press Ctrl-C to stop.');
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    await stopAll();
    process.exit(1);
  }
};

await main();
