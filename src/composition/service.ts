import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type { Hono } from 'hono';
import { CustomerErasure } from '../adapters/crypto/customer-erasure.js';
import { DynamoDBCustomerViewAuditSource } from '../adapters/dynamodb/dynamodb-customer-view-audit-source.js';
import { DynamoDBCustomerViewReader } from '../adapters/dynamodb/dynamodb-customer-view-reader.js';
import { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import {
  DynamoDBCheckpoints,
  DynamoDBStreamChanges,
} from '../adapters/dynamodb/dynamodb-stream-changes.js';
import { DynamoDBStreamEraser } from '../adapters/dynamodb/dynamodb-stream-eraser.js';
import {
  createEnvelopePublisher,
  createStreamPublisher,
  type PutEventsClient,
} from '../adapters/eventbridge/eventbridge-publisher.js';
import type { AuditOptions } from '../app/audit.js';
import { CustomerCommandService } from '../app/customer-commands.js';
import { upcastCustomerEvent } from '../app/customer-events.js';
import { CustomerQueryService } from '../app/customer-queries.js';
import { customerViewProjection } from '../app/customer-view.js';
import { createHttpApp, type HttpAppDependencies } from '../app/http/app.js';
import { consoleSignInFrom } from '../app/http/console-sign-in.js';
import type { HttpEnv } from '../app/http/request.js';
import { createProjectorHandler } from '../app/projector.js';
import type { RebuildOptions } from '../app/rebuild.js';
import { type ReconcileReport, type ReconcilerOptions, reconcileViews } from '../app/reconciler.js';
import type { Config } from '../config.js';
import { LruAggregateCache } from '../core/aggregate-cache.js';
import { EncodedEventStore } from '../core/encoded-event-store.js';
import type { EventEnvelope } from '../core/event.js';
import type { EventStore, StreamCatalog } from '../core/event-store.js';
import { type Metrics, noMetrics } from '../core/metrics.js';
import type { Logger } from '../core/ports.js';
import { StreamTypes } from '../core/stream-types.js';
import type { CustomerState } from '../domain/customer/index.js';
import {
  buildCustomerCrypto,
  buildRequestFingerprints,
  type CustomerCrypto,
} from './customer-crypto.js';

/** The SDK clients the service runs on; the caller creates them once and aims them. */
export interface ServiceClients {
  dynamodb: DynamoDBDocumentClient;
  /** Only the publisher sends to EventBridge. */
  eventBridge?: PutEventsClient;
  /** With `KMS_KEY_ID`: personal data is stored encrypted under per-customer data keys. */
  kms?: KMSClient;
}

export interface CustomerServiceOptions {
  config: Config;
  clients: ServiceClients;
  logger: Logger;
  /** Powertools (EMF) on Lambda; none locally unless given. */
  metrics?: Metrics;
}

/**
 * The one place where configuration and clients become the Customer service: the command
 * and query services, the HTTP app, the stream publisher, the projector, and what rebuild
 * and audit read. `src/lambda/*`, `src/local/*` and `src/ops/*` all build from here, so a
 * setting means the same on AWS and on one machine. Every part is built on first use and
 * then kept, so a function pays only for what it serves.
 */
export class CustomerService {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  private readonly clients: ServiceClients;
  private readonly built = new Map<string, unknown>();

  constructor(options: CustomerServiceOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.metrics = options.metrics ?? noMetrics;
    this.clients = options.clients;
  }

  /**
   * The event store, for the command side, the projector's catch-up, rebuild, audit and
   * every other reader: personal data encrypted at rest and decrypted on read when a KMS key
   * is configured, so no reader handles ciphertext.
   */
  get eventStore(): EventStore & StreamCatalog {
    return this.once('eventStore', () => {
      const { crypto } = this;
      if (!crypto) return this.storedEvents;
      return new EncodedEventStore({
        inner: this.storedEvents,
        codec: crypto.codec,
        claims: crypto.claims,
        erasureEventTypes: crypto.erasureEventTypes,
      });
    });
  }

  /** Data keys, codec and hashed claims; undefined without a KMS client and `KMS_KEY_ID`. */
  get crypto(): CustomerCrypto | undefined {
    return this.once('crypto', () => {
      const kms = this.clients.kms;
      if (!kms || !this.config.KMS_KEY_ID) return undefined;
      return buildCustomerCrypto({ config: this.config, kms, dynamodb: this.clients.dynamodb });
    });
  }

  /** What follows a recorded `CustomerForgotten`: key, snapshot and legacy plaintext erased. */
  get erasure(): CustomerErasure {
    return this.once(
      'erasure',
      () =>
        new CustomerErasure({
          eraser: this.streamEraser,
          commands: this.storedEvents,
          ...(this.crypto ? { keys: this.crypto.keys } : {}),
        }),
    );
  }

  /** The sanctioned in-place rewrites of stored events (forgetting, `encrypt-legacy`). */
  get streamEraser(): DynamoDBStreamEraser {
    return this.once(
      'streamEraser',
      () =>
        new DynamoDBStreamEraser({
          client: this.clients.dynamodb,
          tableName: this.config.COMMAND_TABLE,
        }),
    );
  }

  /** The events as stored (ciphertext): what the publisher sends, what rewrites touch. */
  get storedEvents(): DynamoDBEventStore {
    return this.once('storedEvents', () => {
      const { config } = this;
      return new DynamoDBEventStore({
        client: this.clients.dynamodb,
        tableName: config.COMMAND_TABLE,
        // One newest-first query from the snapshot down loads any stream.
        loadWindow: config.SNAPSHOT_EVERY + 1,
        commandRecordTtlSeconds: config.COMMAND_RECORD_TTL_DAYS * 86_400,
        changeIndexShards: config.CHANGE_INDEX_SHARDS,
      });
    });
  }

  /** The read model as the projector and rebuild write it. */
  get viewStore(): DynamoDBCustomerViewStore {
    return this.once(
      'viewStore',
      () =>
        new DynamoDBCustomerViewStore({
          client: this.clients.dynamodb,
          tableName: this.config.QUERY_TABLE,
        }),
    );
  }

  get commands(): CustomerCommandService {
    return this.once(
      'commands',
      () =>
        new CustomerCommandService({
          store: this.eventStore,
          logger: this.logger,
          metrics: this.metrics,
          snapshotEvery: this.config.SNAPSHOT_EVERY,
          conflictRetryBudgetMs: this.config.COMMAND_RETRY_BUDGET_MS,
          afterForget: (customerId) => this.erasure.erase(customerId),
          fingerprints: buildRequestFingerprints({
            crypto: this.crypto,
            config: this.config,
            dynamodb: this.clients.dynamodb,
          }),
          ...(this.aggregateCache ? { aggregateCache: this.aggregateCache } : {}),
        }),
    );
  }

  /** The command side's cache of recently used customers; undefined when the size is 0. */
  get aggregateCache(): LruAggregateCache<CustomerState> | undefined {
    return this.once('aggregateCache', () =>
      this.config.AGGREGATE_CACHE_SIZE > 0
        ? new LruAggregateCache<CustomerState>(this.config.AGGREGATE_CACHE_SIZE, {
            maxAgeMs: this.config.AGGREGATE_CACHE_MAX_AGE_SECONDS * 1000,
          })
        : undefined,
    );
  }

  get queries(): CustomerQueryService {
    return this.once(
      'queries',
      () =>
        new CustomerQueryService({
          reader: new DynamoDBCustomerViewReader({
            client: this.clients.dynamodb,
            tableName: this.config.QUERY_TABLE,
          }),
          minVersionWaitMs: this.config.MIN_VERSION_WAIT_MS,
        }),
    );
  }

  /**
   * Every registered stream type with its decoded events, upcaster and read models: what
   * the publisher, projector, reconciler, rebuild and audit route by.
   */
  get streamTypes(): StreamTypes {
    return this.once(
      'streamTypes',
      () =>
        new StreamTypes([
          {
            type: 'Customer',
            events: this.eventStore,
            upcast: upcastCustomerEvent,
            projections: [
              { name: 'customer-views', projection: customerViewProjection, views: this.viewStore },
            ],
          },
        ]),
    );
  }

  /** The HTTP API serving the command routes, the query routes, or both. */
  httpApp(
    sides: { commands?: boolean; queries?: boolean },
    extras: Pick<HttpAppDependencies, 'operations' | 'console' | 'activity' | 'authenticate'> = {},
  ): Hono<HttpEnv> {
    return createHttpApp({
      consoleSignIn: consoleSignInFrom(this.config),
      ...extras,
      ...(sides.commands ? { commands: this.commands } : {}),
      ...(sides.queries ? { queries: this.queries } : {}),
      logger: this.logger,
    });
  }

  /** DynamoDB stream batch → EventBridge. */
  get publisher(): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
    return this.once('publisher', () => createStreamPublisher(this.publisherOptions()));
  }

  /** Events read back from the store → EventBridge, as the publisher sends them (replays). */
  get envelopePublisher(): (envelopes: EventEnvelope[]) => Promise<EventEnvelope[]> {
    return this.once('envelopePublisher', () => createEnvelopePublisher(this.publisherOptions()));
  }

  /** The events accepted in a time range, from the event store's change index. */
  get streamChanges(): DynamoDBStreamChanges {
    return this.once(
      'streamChanges',
      () =>
        new DynamoDBStreamChanges({
          client: this.clients.dynamodb,
          tableName: this.config.COMMAND_TABLE,
          shards: this.config.CHANGE_INDEX_SHARDS,
        }),
    );
  }

  /** Where this read model's reconciler got to (an ISO instant); none before its first run. */
  lastReconciled(): Promise<string | undefined> {
    return this.reconcileCheckpoints.read(this.reconcilerName);
  }

  private get reconcilerName(): string {
    return `reconciler#${this.config.QUERY_TABLE}`;
  }

  private get reconcileCheckpoints(): DynamoDBCheckpoints {
    return new DynamoDBCheckpoints({
      client: this.clients.dynamodb,
      tableName: this.config.COMMAND_TABLE,
    });
  }

  /**
   * One reconciler run over the streams that changed since the last one, for this read
   * model (`QUERY_TABLE` names its checkpoint). Tests pass a clock or other windows.
   */
  reconcile(
    overrides: Partial<
      Pick<
        ReconcilerOptions,
        | 'clock'
        | 'settleMs'
        | 'overlapMs'
        | 'initialLookbackMs'
        | 'concurrency'
        | 'sliceMs'
        | 'remainingMs'
      >
    > = {},
  ): Promise<ReconcileReport> {
    return reconcileViews({
      changes: this.streamChanges,
      checkpoints: this.reconcileCheckpoints,
      events: this.eventStore,
      views: this.viewStore,
      projection: customerViewProjection,
      name: this.reconcilerName,
      metrics: this.metrics,
      logger: this.logger,
      ...overrides,
    });
  }

  /** SQS batch of event notifications → read model, from what the event store holds. */
  get projector(): (event: SQSEvent) => Promise<SQSBatchResponse> {
    return this.once('projector', () =>
      createProjectorHandler({
        events: this.eventStore,
        views: this.viewStore,
        logger: this.logger,
        metrics: this.metrics,
        maxReceiveCount: this.config.PROJECTION_MAX_RECEIVE_COUNT,
      }),
    );
  }

  /** What a rebuild reads and writes (`rebuildViews({ ...service.rebuildSources, ... })`). */
  get rebuildSources(): Pick<RebuildOptions, 'catalog' | 'events' | 'views'> {
    return { catalog: this.eventStore, events: this.eventStore, views: this.viewStore };
  }

  /**
   * A blue/green rebuild's sources: the same streams and projection, written into another
   * view table (`npm run rebuild -- --into <table>`), listed page by page with a cursor.
   */
  rebuildSourcesInto(tableName: string): Pick<RebuildOptions, 'events' | 'views'> & {
    pages: DynamoDBEventStore;
  } {
    return {
      pages: this.storedEvents,
      events: this.eventStore,
      views: new DynamoDBCustomerViewStore({ client: this.clients.dynamodb, tableName }),
    };
  }

  /** What an audit compares (`auditViews({ ...service.auditSources, ... })`). */
  get auditSources(): Pick<AuditOptions, 'catalog' | 'events' | 'views'> {
    return {
      catalog: this.eventStore,
      events: this.eventStore,
      views: new DynamoDBCustomerViewAuditSource({
        client: this.clients.dynamodb,
        tableName: this.config.QUERY_TABLE,
      }),
    };
  }

  /**
   * Waits for work a command left running (a snapshot). On Lambda it is awaited before the
   * handler returns, since a frozen container would hold a half-written snapshot; locally it
   * runs off the request path and is awaited at shutdown.
   */
  async settle(): Promise<void> {
    const commands = this.built.get('commands') as CustomerCommandService | undefined;
    await commands?.drain();
  }

  private publisherOptions() {
    const client = this.clients.eventBridge;
    if (!client) throw new TypeError('the publisher needs an EventBridge client');
    return {
      client,
      busName: this.config.EVENT_BUS_NAME,
      source: this.config.EVENT_SOURCE_NAME,
      // Consumers on the bus see the latest shape, whatever version was stored.
      upcast: upcastCustomerEvent,
      logger: this.logger,
      metrics: this.metrics,
    };
  }

  private once<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }
}
