/**
 * `npm start`: the whole service on one machine. Starts DynamoDB Local (or uses the one
 * configured), creates the tables, runs the same handlers as on AWS behind local stand-ins
 * (stream poller → publisher → EventBridge stand-in → SQS emulator → projector), serves the
 * HTTP API on 127.0.0.1:$PORT, and on Ctrl-C stops everything it started. With
 * `--no-pipeline` the pollers stay off: the command and query API alone. With `--auth=oidc`
 * (or `AUTH=oidc`) a local OpenID issuer runs on $OIDC_PORT and every route wants a bearer
 * token from it holding the route's role; without, the local developer holds every role.
 */

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rebuildViews } from '../app/rebuild.js';
import type { CustomerService } from '../composition/customer-service.js';
import { readConfig } from '../config.js';
import { consoleLogger } from './console-logger.js';
import { externalDynamoDB } from './dynamodb-target.js';
import { removeEndpointsFile, writeEndpointsFile } from './endpoints-file.js';
import { freePort } from './free-port.js';
import { serveHttp } from './http-server.js';
import { startLocalConsole } from './local-console.js';
import { assertLocalPortsFree, readLocalPorts } from './local-ports.js';
import { type LocalAuth, readLocalAuthMode, startLocalAuth } from './oidc/local-auth.js';
import { LOCAL_CLIENTS, LOCAL_USERS } from './oidc/local-identities.js';
import { startLocalRuntime } from './runtime.js';

/** Written when a run stopped with its queue drained; absent after a crash or a kill. */
const CLEAN_STOP_MARKER = 'stopped-cleanly';

/**
 * The local queue lives in memory: notifications queued when the last run was killed are
 * gone. Views only move forward, so replaying every stream once heals them.
 */
const reconcile = (service: CustomerService) => {
  void rebuildViews({ ...service.rebuildSources, concurrency: 8 })
    .then((report) => {
      if (report.updated > 0 || report.failed > 0) {
        service.logger.info('read model reconciled with the event store', {
          streams: report.processed,
          updated: report.updated,
          failed: report.failed,
        });
      }
    })
    .catch((error: unknown) => service.logger.warn('read model reconciliation failed', { error }));
};

/** How to get a token and call the API with it, for the start-up banner. */
const tokenHowTo = (auth: LocalAuth, scopePrefix: string): string[] => {
  const { clientId, clientSecret } = LOCAL_CLIENTS.devTool;
  return [
    `  OpenID issuer (--auth=oidc): ${auth.issuer.issuer} (users: ${Object.keys(LOCAL_USERS).join(', ')}; any password)`,
    'Get a token (client dev-tool, any of the six scopes), then call with it:',
    `  TOKEN=$(curl -s -u ${clientId}:${clientSecret} -d grant_type=client_credentials -d 'scope=${scopePrefix}customers:read ${scopePrefix}customers:write' ${auth.issuer.tokenEndpoint} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
  ];
};

const main = async () => {
  const config = readConfig();
  const logger = consoleLogger(config.LOG_LEVEL);
  const dataDir = process.env.DATA_DIR ?? '.data';
  const external = externalDynamoDB(process.env);
  const createTables =
    !external || process.argv.includes('--create-tables') || process.env.CREATE_TABLES === 'true';
  // The command and query API alone, without stream, bus, queue or projector (benchmarks).
  const pipeline = !process.argv.includes('--no-pipeline');
  // As often as the stack's schedule runs it (15 minutes), so it means the same on both sides
  // and an idle `npm start` stays quiet; a start after an unclean stop reconciles at once.
  const reconcileIntervalMs = Number(process.env.RECONCILE_INTERVAL_MS ?? 15 * 60_000);

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
    const authMode = readLocalAuthMode(process.argv, process.env);
    const ports = readLocalPorts(process.env);
    // The console's redirect URIs name the HTTP port, so with sign-in it is chosen up front.
    if (authMode === 'oidc' && ports.http === 0) ports.http = await freePort();
    // Fail before starting Java when a port is taken, naming the variable that moves it.
    await assertLocalPortsFree({
      ...ports,
      ...(external ? { dynamodb: 0 } : {}),
      ...(authMode === 'oidc' ? {} : { oidc: 0 }),
    });
    let auth: LocalAuth | undefined;
    if (authMode === 'oidc') {
      auth = await startLocalAuth({
        port: ports.oidc,
        httpPort: ports.http,
        scopePrefix: config.AUTH_SCOPE_PREFIX,
      });
      cleanups.push(() => (auth as LocalAuth).stop());
    }
    const runtime = await startLocalRuntime({
      config: auth ? { ...config, ...auth.consoleSettings } : config,
      dataDir,
      createTables,
      logger,
      ports: {
        dynamodb: ports.dynamodb,
        sqs: ports.sqs,
        eventBridge: ports.eventbridge,
        kms: ports.kms,
      },
      ...(external ? { dynamodb: external.clientConfig } : {}),
      pipeline,
      ...(pipeline && reconcileIntervalMs > 0 ? { reconcileIntervalMs } : {}),
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

    const operator = await startLocalConsole(runtime);
    cleanups.push(() => operator.close());
    const server = await serveHttp(
      runtime.service.httpApp(
        { commands: true, queries: true },
        { ...operator.extras, ...(auth ? { authenticate: auth.authenticate } : {}) },
      ),
      { port: ports.http },
    );
    cleanups.push(() => server.close());

    const endpointsFile = writeEndpointsFile(dataDir, {
      http: server.url,
      dynamodb: runtime.dynamodbLocal?.endpoint ?? String(runtime.dynamodb.endpoint ?? ''),
      sqs: runtime.sqs.endpoint,
      eventbridge: runtime.eventBridge.endpoint,
      ...(runtime.kms ? { kms: runtime.kms.endpoint } : {}),
      ...(auth ? { oidcIssuer: auth.issuer.issuer } : {}),
      region: runtime.sqs.region,
      eventBus: config.EVENT_BUS_NAME,
      tables: { events: config.COMMAND_TABLE, views: config.QUERY_TABLE },
      queues: {
        projection: runtime.sqs.queueUrl,
        dlq: runtime.sqs.dlqUrl,
        streamFailures: runtime.streamFailureQueueUrl,
      },
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    cleanups.push(async () => removeEndpointsFile(dataDir));

    const dynamo =
      external?.description ??
      `DynamoDB Local at ${runtime.dynamodbLocal?.endpoint} (data in ${dataDir}/)`;
    console.log(`Customer service listening on ${server.url}`);
    if (!pipeline) console.log('  pipeline off (--no-pipeline): views are not updated');
    console.log(`  operator console:           ${server.url}/console (API reference: /docs)`);
    console.log(`  event store and read model: ${dynamo}`);
    console.log(`  EventBridge stand-in:       ${runtime.eventBridge.endpoint}`);
    if (runtime.kms) console.log(`  KMS stand-in:               ${runtime.kms.endpoint}`);
    console.log(`  projection queue:           ${runtime.sqs.queueUrl}`);
    console.log(`  dead-letter queue:          ${runtime.sqs.dlqUrl}`);
    console.log(`  stream failure queue:       ${runtime.streamFailureQueueUrl}`);
    console.log(`  endpoints file:             ${endpointsFile}`);
    if (auth) {
      for (const line of tokenHowTo(auth, config.AUTH_SCOPE_PREFIX)) console.log(line);
    } else {
      console.log('  access: open, every role (npm start -- --auth=oidc checks tokens)');
    }
    console.log('Try:');
    console.log(
      `  curl -s -X POST ${server.url}/customers -H 'content-type: application/json'${auth ? ' -H "authorization: Bearer $TOKEN"' : ''} -d '{"email":"ada@example.com","name":"Ada"}'`,
    );
    console.log('Press Ctrl-C to stop.');

    if (marker && !lastStopWasClean) reconcile(runtime.service);
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    await stopAll();
    process.exit(1);
  }
};

await main();
