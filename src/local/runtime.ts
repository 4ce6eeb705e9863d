import { join } from 'node:path';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, type KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createTableIfMissing } from '../adapters/dynamodb/create-tables.js';
import { hashedClaimsOnlyMarker } from '../adapters/dynamodb/hashed-claims-marker.js';
import { eventStoreTable } from '../adapters/dynamodb/table-definitions.js';
import { probeProjector, probePublisher } from '../app/operations/activity-probes.js';
import { ServiceActivity } from '../app/operations/service-activity.js';
import type { RegisteredAggregate } from '../composition/aggregate-module.js';
import { AGGREGATES } from '../composition/aggregates.js';
import { awsClients } from '../composition/aws-clients.js';
import { callBudget, oneAttemptBudget } from '../composition/call-budget.js';
import { checkDeclarations } from '../composition/check-declarations.js';
import { declaredViewTables, withViewTableNames } from '../composition/declared-view-tables.js';
import { Service } from '../composition/service.js';
import { type Config, readConfig } from '../config.js';
import { type Logger, silentLogger } from '../core/ports.js';
import { type DynamoDBLocal, startDynamoDBLocal } from './dynamodb-local.js';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './eventbridge-standin.js';
import { type KmsStandIn, startKmsStandIn } from './kms/kms-standin.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-endpoints.js';
import { localProjectionRule } from './local-projection-rule.js';
import { startReconcileTimer } from './reconcile-timer.js';
import { type SqsEmulator, startSqsEmulator } from './sqs-emulator.js';
import { createSqsPoller, type SqsHandler, type SqsPoller } from './sqs-poller.js';
import { catchUpViews, type StartUpCatchUp } from './start-up-catch-up.js';
import { shardLookup, withStreamFailureDestination } from './stream/stream-failure-destination.js';
import { createStreamPoller, type StreamHandler, type StreamPoller } from './stream-poller.js';

export interface PipelineHandlers {
  publisher: StreamHandler;
  projector: SqsHandler;
}

export interface LocalRuntimeOptions {
  /**
   * Settings (table, bus and source names); `readConfig()` when absent. A declared view
   * table `VIEW_TABLES` does not name is named by its id.
   */
  config?: Config;
  /** The aggregates whose view tables are created and whose events the bus rule routes. */
  aggregates?: readonly RegisteredAggregate[];
  /** A DynamoDB to use; when absent, DynamoDB Local is started (and stopped) here. */
  dynamodb?: DynamoDBClientConfig;
  /** Folder for DynamoDB Local's files and the stream checkpoint; in memory when absent. */
  dataDir?: string;
  /** Where the stream poller keeps its place; `<dataDir>/stream-checkpoints/<table>.json` by default. */
  checkpointFile?: string;
  /** Region of the queues and events. */
  region?: string;
  ports?: { dynamodb?: number; sqs?: number; eventBridge?: number; kms?: number };
  /**
   * Store personal data encrypted under per-customer keys from the KMS stand-in (default
   * true); `false` runs plaintext, as before encryption (benchmarks, legacy tests).
   */
  encryption?: boolean;
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
  streamBatchSize?: number;
  /** Pause between stream reads that found nothing new (Lambda polls about four times a second). */
  streamPollIntervalMs?: number;
  projectorConcurrency?: number;
  /** Pause of an idle projector poller between receives (1000 ms; a publish wakes it). */
  projectorIdlePauseMs?: number;
  /**
   * How long `stop()` lets the stream poller read the stream's tail, and then the projector
   * drain the queue (each); 5000 ms by default, 0 skips both.
   */
  drainTimeoutMs?: number;
  /** Create missing tables (default true); off against a DynamoDB this runtime does not own. */
  createTables?: boolean;
  /**
   * Run the pipeline (stream poller → publisher → bus → queue → projector); default true.
   * Off, the pollers never start: commands and queries alone (`npm start -- --no-pipeline`,
   * the benchmark's command-side target), and the read model stays where it was.
   */
  pipeline?: boolean;
  /**
   * Retries of a failing stream batch before its record goes to the stream failure queue,
   * as the stack's `retryAttempts` (10).
   */
  streamRetryAttempts?: number;
  /**
   * Before the pipeline starts, catch up every view behind its stream (`caughtUp`), as
   * `npm start` does at every start; off by default, and with the pipeline off.
   */
  catchUpViews?: boolean;
  /** Runs the reconciler this often (the stack's schedule); off when absent or 0. */
  reconcileIntervalMs?: number;
  /** Handlers to run instead of the service's own (tests, experiments). */
  handlers?: Partial<PipelineHandlers>;
  /**
   * The endpoint the runtime's clients reach a stand-in at, given the one it listens on;
   * that one when absent. The fault suite puts a proxy it can freeze in between.
   */
  reach?: (standIn: 'sqs' | 'eventBridge' | 'kms', endpoint: string) => Promise<string>;
  logger?: Logger;
}

export interface LocalRuntime {
  config: Config;
  /** The service on the local clients: its HTTP app, command and query services, stores. */
  service: Service;
  /** Client settings for the DynamoDB the pipeline uses. */
  dynamodb: DynamoDBClientConfig;
  /** The DynamoDB Local this runtime started, if it started one. */
  dynamodbLocal: Pick<DynamoDBLocal, 'endpoint' | 'pid'> | undefined;
  sqs: Pick<
    SqsEmulator,
    'endpoint' | 'region' | 'queueUrl' | 'dlqUrl' | 'clientConfig' | 'pause' | 'resume'
  >;
  eventBridge: EventBridgeStandIn;
  /** Counters behind the console's pipeline health and live charts. */
  activity: ServiceActivity;
  /** The KMS stand-in that wraps the data keys; absent with `encryption: false`. */
  kms: KmsStandIn | undefined;
  /** The key the service wraps its data keys under, as the KMS stand-in knows it. */
  kmsKey: ServiceKmsKey | undefined;
  /** The stream's on-failure destination, a queue on the SQS emulator (`npm run stream-failures`). */
  streamFailureQueueUrl: string;
  /** What the start-up catch-up found (`catchUpViews`); absent when off or when it failed. */
  caughtUp: StartUpCatchUp | undefined;
  streamPoller: StreamPoller;
  sqsPoller: SqsPoller;
  /** Resolves when what was written before the call went through stream, bus, queue and projector. */
  waitUntilIdle(timeoutMs?: number): Promise<void>;
  /**
   * Stops everything. `tailRead`: the stream was read to its end first, so every event
   * written before the call was published; `drained`: then the queue emptied, every
   * notification handled. Both true: the stop lost nothing.
   */
  stop(): Promise<LocalRuntimeStop>;
}

export interface LocalRuntimeStop {
  tailRead: boolean;
  drained: boolean;
}

export interface ServiceKmsKey {
  /** `alias/…`, when the key has one. */
  alias: string | undefined;
  arn: string;
}

/** The service's key by its ARN and alias, asked of KMS as any client would. */
const describeServiceKey = async (client: KMSClient, keyId: string): Promise<ServiceKmsKey> => {
  const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
  if (!KeyMetadata?.Arn || !KeyMetadata.KeyId) throw new Error(`KMS did not describe ${keyId}`);
  const { Aliases = [] } = await client.send(new ListAliasesCommand({ KeyId: KeyMetadata.KeyId }));
  const named = Aliases.find((a) => a.AliasName === keyId) ?? Aliases[0];
  return { alias: named?.AliasName, arn: KeyMetadata.Arn };
};

/** Nothing left on the queue: neither visible, nor held by a receive, nor delayed. */
const queueIsEmpty = async (client: SQSClient, QueueUrl: string): Promise<boolean> => {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).every((count) => count === '0');
};

/**
 * Runs the asynchronous half of the service on one machine: DynamoDB (Local) stream →
 * publisher → EventBridge stand-in → SQS (fauxqs, with its dead-letter queue) → projector.
 * Each piece is stopped by its own handle, in reverse order, by `stop()` or when a later
 * piece fails to start; `stop()` first stops the stream poller and lets the queue drain.
 */
export const startLocalRuntime = async (
  options: LocalRuntimeOptions = {},
): Promise<LocalRuntime> => {
  const aggregates = options.aggregates ?? AGGREGATES;
  checkDeclarations(aggregates);
  const config = withViewTableNames(options.config ?? readConfig(), aggregates, (id) => id);
  const region = options.region ?? LOCAL_REGION;
  const logger = options.logger ?? silentLogger;
  const drainTimeoutMs = options.drainTimeoutMs ?? 5000;
  // Every client below is held to the call budget the service's settings give.
  const aws = awsClients(callBudget(config));
  const reach = options.reach ?? (async (_standIn: string, endpoint: string) => endpoint);
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'Stopping the local runtime failed');
  };

  try {
    let dynamodb = options.dynamodb;
    let dynamodbLocal: DynamoDBLocal | undefined;
    if (!dynamodb) {
      const local = await startDynamoDBLocal({
        ...(options.dataDir ? { dataDir: join(options.dataDir, 'dynamodb') } : {}),
        ...(options.ports?.dynamodb ? { port: options.ports.dynamodb } : {}),
      });
      dynamodbLocal = local;
      cleanups.push(() => local.stop());
      dynamodb = { endpoint: local.endpoint, region, credentials: LOCAL_CREDENTIALS };
    }
    const dynamoClient = aws.dynamodb(dynamodb);
    cleanups.push(async () => dynamoClient.destroy());
    const streamsClient = aws.streams(dynamodb);
    cleanups.push(async () => streamsClient.destroy());
    if (options.createTables ?? true) {
      const admin = awsClients(oneAttemptBudget(60_000)).dynamodb(dynamodb);
      try {
        // A table created here never held plaintext email claims: no claim checks for one.
        await createTableIfMissing(admin, config.COMMAND_TABLE, eventStoreTable, {
          initialItems: [hashedClaimsOnlyMarker('created-empty')],
        });
        for (const table of declaredViewTables(config, aggregates)) {
          await createTableIfMissing(admin, table.name, table.definition);
        }
      } finally {
        admin.destroy();
      }
    }

    const sqs = await startSqsEmulator({
      region,
      ...(options.ports?.sqs ? { port: options.ports.sqs } : {}),
      ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
      ...(options.visibilityTimeoutSeconds
        ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
        : {}),
    });
    cleanups.push(() => sqs.stop());
    const sqsClient = aws.sqs({
      ...sqs.clientConfig,
      endpoint: await reach('sqs', sqs.endpoint),
    });
    cleanups.push(async () => sqsClient.destroy());
    const { QueueUrl: streamFailureQueueUrl = '' } = await sqsClient.send(
      new CreateQueueCommand({ QueueName: 'customer-stream-failures' }),
    );

    const eventBridge = await startEventBridgeStandIn({
      sqs: sqsClient,
      region,
      ...(options.ports?.eventBridge ? { port: options.ports.eventBridge } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      rules: [
        localProjectionRule({
          source: config.EVENT_SOURCE_NAME,
          aggregates,
          eventBusName: config.EVENT_BUS_NAME,
          queues: sqs,
        }),
      ],
    });
    cleanups.push(() => eventBridge.stop());

    // The same composition as on Lambda, on clients aimed at the local stand-ins.
    const documentClient = aws.documents(dynamodb);
    cleanups.push(async () => documentClient.destroy());
    const eventBridgeClient = aws.eventBridge({
      endpoint: await reach('eventBridge', eventBridge.endpoint),
      region,
      credentials: LOCAL_CREDENTIALS,
    });
    cleanups.push(async () => eventBridgeClient.destroy());
    let kms: KmsStandIn | undefined;
    let kmsClient: KMSClient | undefined;
    if (options.encryption ?? true) {
      const standIn = await startKmsStandIn({
        region,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(options.ports?.kms ? { port: options.ports.kms } : {}),
      });
      kms = standIn;
      cleanups.push(() => standIn.stop());
      kmsClient = aws.kms({
        ...standIn.clientConfig,
        endpoint: await reach('kms', standIn.clientConfig.endpoint),
      });
      const client = kmsClient;
      cleanups.push(async () => client.destroy());
    }
    const serviceConfig: Config = kms
      ? { ...config, KMS_KEY_ID: config.KMS_KEY_ID ?? kms.aliasName }
      : config;
    const kmsKey =
      kmsClient && serviceConfig.KMS_KEY_ID
        ? await describeServiceKey(kmsClient, serviceConfig.KMS_KEY_ID)
        : undefined;
    const service = new Service({
      config: serviceConfig,
      aggregates,
      logger,
      clients: {
        dynamodb: documentClient,
        eventBridge: eventBridgeClient,
        ...(kmsClient ? { kms: kmsClient } : {}),
      },
    });
    cleanups.push(() => service.settle());
    const activity = new ServiceActivity();
    // As the stack's event source mapping: a batch out of retries goes to the failure queue.
    const probed = probePublisher(activity, options.handlers?.publisher ?? service.publisher);
    const publisher = withStreamFailureDestination(probed, {
      maxAttempts: (options.streamRetryAttempts ?? 10) + 1,
      send: async (record) => {
        await sqsClient.send(
          new SendMessageCommand({
            QueueUrl: streamFailureQueueUrl,
            MessageBody: JSON.stringify(record),
          }),
        );
      },
      shardOf: shardLookup(streamsClient),
      logger,
    });
    const projector = probeProjector(activity, options.handlers?.projector ?? service.projector);

    const checkpointFile =
      options.checkpointFile ??
      (options.dataDir
        ? join(options.dataDir, 'stream-checkpoints', `${config.COMMAND_TABLE}.json`)
        : undefined);
    // The stand-in delivers to SQS before it answers, so once a batch is published its
    // notifications are on the queue: the projector's poller is told to receive now, and
    // otherwise sleeps between short receives instead of holding a long poll open.
    let wakeProjector = () => {};
    const publishThenWake: StreamHandler = async (event) => {
      try {
        return await publisher(event);
      } finally {
        wakeProjector();
      }
    };
    const streamPoller = createStreamPoller({
      dynamodb: dynamoClient,
      streams: streamsClient,
      tableName: config.COMMAND_TABLE,
      handler: publishThenWake,
      logger,
      ...(options.streamBatchSize ? { batchSize: options.streamBatchSize } : {}),
      pollIntervalMs: options.streamPollIntervalMs ?? 100,
      ...(checkpointFile ? { checkpointFile } : {}),
    });
    const pipeline = options.pipeline ?? true;
    const caughtUp =
      pipeline && options.catchUpViews
        ? await catchUpViews(service).catch((error: unknown) => {
            logger.warn('catching the read model up failed; the reconciler retries', { error });
            return undefined;
          })
        : undefined;
    if (pipeline) await streamPoller.start();
    cleanups.push(() => streamPoller.stop());

    const sqsPoller = createSqsPoller({
      client: sqsClient,
      queueUrl: sqs.queueUrl,
      handler: projector,
      logger,
      // Messages nobody announced (a redrive, a put from a developer's own tool, one back
      // from its visibility timeout) are found within a pause.
      waitTimeSeconds: 0,
      idlePauseMs: options.projectorIdlePauseMs ?? 1000,
      ...(options.projectorConcurrency ? { concurrency: options.projectorConcurrency } : {}),
    });
    wakeProjector = () => sqsPoller.wake();
    if (pipeline) await sqsPoller.start();
    cleanups.push(() => sqsPoller.stop());

    if (options.reconcileIntervalMs) {
      const reconciler = startReconcileTimer({
        intervalMs: options.reconcileIntervalMs,
        run: () => service.reconcile(),
        logger,
      });
      cleanups.push(() => reconciler.stop());
    }

    return {
      config: serviceConfig,
      service,
      dynamodb,
      dynamodbLocal: dynamodbLocal && { endpoint: dynamodbLocal.endpoint, pid: dynamodbLocal.pid },
      sqs: {
        endpoint: sqs.endpoint,
        region: sqs.region,
        queueUrl: sqs.queueUrl,
        dlqUrl: sqs.dlqUrl,
        clientConfig: sqs.clientConfig,
        pause: sqs.pause,
        resume: sqs.resume,
      },
      eventBridge,
      activity,
      kms,
      kmsKey,
      streamFailureQueueUrl,
      caughtUp,
      streamPoller,
      sqsPoller,
      // The stand-in delivers to SQS before it answers, so once the stream is idle
      // everything published is already on the queue.
      async waitUntilIdle(timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        await streamPoller.waitUntilIdle(timeoutMs);
        // Deliveries the bus is still retrying (the queue was down) are not on it yet.
        await eventBridge.waitUntilDelivered(Math.max(deadline - Date.now(), 1));
        await sqsPoller.waitUntilIdle(Math.max(deadline - Date.now(), 1));
      },
      async stop() {
        // Read the stream to its end, stop publishing, then let the projector drain the
        // queue: fauxqs keeps nothing across restarts, and the stream checkpoint is already
        // past what was published. DynamoDB Local, which both need, is stopped last.
        const settle = drainTimeoutMs > 0 && pipeline;
        const tailRead =
          settle &&
          (await streamPoller.waitUntilIdle(drainTimeoutMs).then(
            () => true,
            () => {
              logger.warn('the stream was not read to its end before stopping');
              return false;
            },
          ));
        await streamPoller.stop();
        // Deliveries the bus is still retrying hold notifications that are on no queue yet.
        const delivered =
          settle &&
          (await eventBridge.waitUntilDelivered(drainTimeoutMs).then(
            () => true,
            (error: unknown) => {
              logger.warn('bus deliveries were still being retried when stopping', { error });
              return false;
            },
          ));
        const drained =
          delivered &&
          (await sqsPoller
            .waitUntilIdle(drainTimeoutMs)
            // A message back on the queue after a failure is not drained, nor handled.
            .then(() => queueIsEmpty(sqsClient, sqs.queueUrl))
            .catch(() => false));
        if (settle && !drained) logger.warn('the projection queue did not drain before stopping');
        await stopAll();
        return { tailRead, drained };
      },
    };
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
};
