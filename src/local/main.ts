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
import type { Hono } from 'hono';
import { readConfig } from '../config.js';
import { consoleLogger } from './console-logger.js';
import { externalDynamoDB } from './dynamodb-target.js';
import { endpointTables, removeEndpointsFile, writeEndpointsFile } from './endpoints-file.js';
import { reservePort } from './free-port.js';
import { serveHttp } from './http-server.js';
import { startLocalConsole } from './local-console.js';
import { assertLocalPortsFree, readLocalPorts } from './local-ports.js';
import { type LocalAuth, readLocalAuthMode, startLocalAuth } from './oidc/local-auth.js';
import { LOCAL_CLIENTS, LOCAL_USERS } from './oidc/local-identities.js';
import { startLocalRuntime } from './runtime.js';

/**
 * Written when a run stopped having read its stream to the end and drained its queue;
 * absent after a crash, a kill, or a stop that could not do both.
 */
const CLEAN_STOP_MARKER = 'stopped-cleanly';

/**
 * Counts the HTTP requests being handled, so a stop waits for the commands under way to
 * write their events (closing the server cuts their connections, not their work) before
 * the stream's tail is read.
 */
const trackRequests = (app: Pick<Hono, 'fetch'>) => {
  let inFlight = 0;
  const idle: Array<() => void> = [];
  const fetch: Hono['fetch'] = async (...args) => {
    inFlight++;
    try {
      return await app.fetch(...args);
    } finally {
      inFlight--;
      if (inFlight === 0) for (const resolve of idle.splice(0)) resolve();
    }
  };
  const settled = () =>
    inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
  return { fetch, settled };
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
  // and an idle `npm start` stays quiet; every start also catches up at once.
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
    // The console's redirect URIs name the HTTP port, so with sign-in it is chosen up front,
    // and held until the server listens on it.
    const reserved = authMode === 'oidc' && ports.http === 0 ? await reservePort() : undefined;
    if (reserved) ports.http = reserved.port;
    // Fail before starting Java when a port is taken, naming the variable that moves it.
    await assertLocalPortsFree({
      ...ports,
      ...(reserved ? { http: 0 } : {}),
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
      catchUpViews: true,
    });
    const caughtUp = runtime.caughtUp;
    // The marker speaks of this process's own DynamoDB Local only.
    const marker = external ? undefined : join(dataDir, CLEAN_STOP_MARKER);
    const lastStopWasClean = marker !== undefined && existsSync(marker);
    if (marker) rmSync(marker, { force: true });
    cleanups.push(async () => {
      const { tailRead, drained } = await runtime.stop();
      if (marker && tailRead && drained) writeFileSync(marker, `${new Date().toISOString()}\n`);
    });
    const operator = await startLocalConsole(runtime);
    cleanups.push(() => operator.close());
    const requests = trackRequests(
      runtime.service.httpApp(
        { commands: true, queries: true },
        { ...operator.extras, ...(auth ? { authenticate: auth.authenticate } : {}) },
      ),
    );
    await reserved?.release();
    const server = await serveHttp(requests, { port: ports.http });
    cleanups.push(async () => {
      await server.close();
      await requests.settled();
    });

    const endpointsFile = writeEndpointsFile(dataDir, {
      http: server.url,
      dynamodb: runtime.dynamodbLocal?.endpoint ?? String(runtime.dynamodb.endpoint ?? ''),
      sqs: runtime.sqs.endpoint,
      eventbridge: runtime.eventBridge.endpoint,
      ...(runtime.dynamodbLocal ? { dynamodbPid: runtime.dynamodbLocal.pid } : {}),
      ...(runtime.kms ? { kms: runtime.kms.endpoint } : {}),
      ...(runtime.kmsKey
        ? {
            kmsKey: {
              arn: runtime.kmsKey.arn,
              ...(runtime.kmsKey.alias ? { alias: runtime.kmsKey.alias } : {}),
            },
          }
        : {}),
      ...(auth ? { oidcIssuer: auth.issuer.issuer } : {}),
      region: runtime.sqs.region,
      eventBus: config.EVENT_BUS_NAME,
      tables: endpointTables(runtime.config),
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
    if (runtime.kmsKey) {
      console.log(`  service KMS key:            ${runtime.kmsKey.alias ?? runtime.kmsKey.arn}`);
    }
    console.log(`  projection queue:           ${runtime.sqs.queueUrl}`);
    console.log(`  dead-letter queue:          ${runtime.sqs.dlqUrl}`);
    console.log(`  stream failure queue:       ${runtime.streamFailureQueueUrl}`);
    console.log(`  endpoints file:             ${endpointsFile}`);
    if (caughtUp) {
      const why = caughtUp.firstRun
        ? '; every stream, a first catch-up on this data'
        : marker && !lastStopWasClean
          ? '; the last stop was not clean'
          : '';
      console.log(
        `  read model:                 ${caughtUp.healed} views were behind and caught up, ${caughtUp.failed} failed (streams checked: ${caughtUp.streams}${why})`,
      );
    }
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
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    await stopAll();
    process.exit(1);
  }
};

await main();
