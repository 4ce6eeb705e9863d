/**
 * `npm start`: the whole service on one machine. Starts DynamoDB Local (or uses the one
 * configured), creates the tables, runs the same handlers as on AWS behind local stand-ins
 * (stream poller → publisher → EventBridge stand-in → SQS emulator → projector), serves the
 * HTTP API on 127.0.0.1:$PORT, and on Ctrl-C stops everything it started.
 */

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewReader } from '../adapters/dynamodb/dynamodb-customer-view-reader.js';
import { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { CustomerCommandService } from '../app/customer-commands.js';
import { CustomerQueryService } from '../app/customer-queries.js';
import { createHttpApp } from '../app/http/app.js';
import { rebuildViews } from '../app/rebuild.js';
import { readConfig } from '../config.js';
import type { Logger } from '../core/ports.js';
import { consoleLogger } from './console-logger.js';
import { externalDynamoDB } from './dynamodb-target.js';
import { assertPortFree } from './free-port.js';
import { serveHttp } from './http-server.js';
import { startLocalRuntime } from './runtime.js';

const parsePort = (raw: string | undefined): number => {
  const port = Number(raw ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PORT must be a whole number from 1 to 65535, not "${raw}"`);
  }
  return port;
};

/** Written when a run stopped with its queue drained; absent after a crash or a kill. */
const CLEAN_STOP_MARKER = 'stopped-cleanly';

/**
 * The local queue lives in memory: notifications queued when the last run was killed are
 * gone. Views only move forward, so replaying every stream once heals them.
 */
const reconcile = (store: DynamoDBEventStore, views: DynamoDBCustomerViewStore, logger: Logger) => {
  void rebuildViews({ catalog: store, events: store, views, concurrency: 8 })
    .then((report) => {
      if (report.updated > 0 || report.failed > 0) {
        logger.info('read model reconciled with the event store', {
          streams: report.processed,
          updated: report.updated,
          failed: report.failed,
        });
      }
    })
    .catch((error: unknown) => logger.warn('read model reconciliation failed', { error }));
};

const main = async () => {
  const config = readConfig();
  const logger = consoleLogger(config.LOG_LEVEL);
  const port = parsePort(process.env.PORT);
  const dataDir = process.env.DATA_DIR ?? '.data';
  const external = externalDynamoDB(process.env);
  const createTables =
    !external || process.argv.includes('--create-tables') || process.env.CREATE_TABLES === 'true';

  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
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
    // Fail before starting Java when the port is taken.
    await assertPortFree(port);
    const runtime = await startLocalRuntime({
      config,
      dataDir,
      createTables,
      logger,
      ...(external ? { dynamodb: external.clientConfig } : {}),
    });
    // Only a run on its own DynamoDB Local decides about reconciling: scanning a shared
    // table is not this process's call.
    const marker = external ? undefined : join(dataDir, CLEAN_STOP_MARKER);
    const lastStopWasClean = marker !== undefined && existsSync(marker);
    if (marker) rmSync(marker, { force: true });
    cleanups.push(async () => {
      const { drained } = await runtime.stop();
      if (marker && drained) writeFileSync(marker, `${new Date().toISOString()}\n`);
    });

    const documentClient = createDocumentClient(runtime.dynamodb);
    cleanups.push(async () => documentClient.destroy());
    const store = new DynamoDBEventStore({
      client: documentClient,
      tableName: config.COMMAND_TABLE,
      loadWindow: config.SNAPSHOT_EVERY + 1,
    });
    const commands = new CustomerCommandService({
      store,
      logger,
      snapshotEvery: config.SNAPSHOT_EVERY,
    });
    const queries = new CustomerQueryService({
      reader: new DynamoDBCustomerViewReader({
        client: documentClient,
        tableName: config.QUERY_TABLE,
      }),
      minVersionWaitMs: config.MIN_VERSION_WAIT_MS,
    });
    const server = await serveHttp(createHttpApp({ commands, queries, logger }), { port });
    cleanups.push(() => server.close());

    const dynamo =
      external?.description ??
      `DynamoDB Local at ${runtime.dynamodbLocal?.endpoint} (data in ${dataDir}/)`;
    console.log(`Customer service listening on ${server.url}`);
    console.log(`  event store and read model: ${dynamo}`);
    console.log(`  EventBridge stand-in:       ${runtime.eventBridge.endpoint}`);
    console.log(`  projection queue:           ${runtime.sqs.queueUrl}`);
    console.log(`  dead-letter queue:          ${runtime.sqs.dlqUrl}`);
    console.log('Try:');
    console.log(
      `  curl -s -X POST ${server.url}/customers -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'`,
    );
    console.log('Press Ctrl-C to stop.');

    if (marker && !lastStopWasClean)
      reconcile(
        store,
        new DynamoDBCustomerViewStore({ client: documentClient, tableName: config.QUERY_TABLE }),
        logger,
      );
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    await stopAll();
    process.exit(1);
  }
};

await main();
