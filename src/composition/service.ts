import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type { Hono } from 'hono';
import type { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import {
  DynamoDBCheckpoints,
  DynamoDBStreamChanges,
} from '../adapters/dynamodb/dynamodb-stream-changes.js';
import type { DynamoDBStreamEraser } from '../adapters/dynamodb/dynamodb-stream-eraser.js';
import type { TableDefinition } from '../adapters/dynamodb/table-definitions.js';
import {
  createEnvelopePublisher,
  createStreamPublisher,
  type PutEventsClient,
} from '../adapters/eventbridge/eventbridge-publisher.js';
import type { AuditOptions, AuditViewSource } from '../app/audit.js';
import { createHttpApp, type HttpAppDependencies } from '../app/http/app.js';
import { consoleSignInFrom } from '../app/http/console-sign-in.js';
import type { DocumentedRoutes } from '../app/http/openapi-route.js';
import type { HttpEnv } from '../app/http/request.js';
import { createProjectorHandler } from '../app/projector.js';
import type { RebuildOptions } from '../app/rebuild.js';
import { type ReconcileReport, type ReconcilerOptions, reconcileViews } from '../app/reconciler.js';
import type { ViewRepairSources } from '../app/view-repair.js';
import type { Config } from '../config.js';
import { type EventEnvelope, UNTYPED_STREAM_TYPE } from '../core/event.js';
import type { EventStore, StreamCatalog } from '../core/event-store.js';
import { type Metrics, noMetrics } from '../core/metrics.js';
import type { Logger } from '../core/ports.js';
import type { VersionedView } from '../core/projection.js';
import { isRepairable, StreamTypes, UnregisteredStreamTypeError } from '../core/stream-types.js';
import {
  LEGACY_VIEWS_TABLE_ID,
  type ModuleContext,
  type ReadModels,
  type RegisteredAggregate,
} from './aggregate-module.js';
import { AggregateServices } from './aggregate-services.js';
import { AGGREGATES } from './aggregates.js';
import { checkDeclarations } from './check-declarations.js';
import {
  buildRequestFingerprints,
  buildServiceCrypto,
  type ServiceCrypto,
} from './service-crypto.js';

/** The SDK clients the service runs on; the caller creates them once and aims them. */
export interface ServiceClients {
  dynamodb: DynamoDBDocumentClient;
  /** Only the publisher sends to EventBridge. */
  eventBridge?: PutEventsClient;
  /** With `KMS_KEY_ID`: personal data is stored encrypted under per-customer data keys. */
  kms?: KMSClient;
}

export interface ServiceOptions {
  config: Config;
  clients: ServiceClients;
  logger: Logger;
  /** Powertools (EMF) on Lambda; none locally unless given. */
  metrics?: Metrics;
  /** The registered aggregates (`AGGREGATES`); tests register others beside them. */
  aggregates?: readonly RegisteredAggregate[];
}

/**
 * The one place where configuration, clients and the registered aggregates become the
 * service: each module's store, command service, read models and routes, the HTTP app, the
 * stream publisher, the projector, and what rebuild and audit read. `src/lambda/*`,
 * `src/local/*` and `src/ops/*` all build from here, so a setting means the same on AWS and
 * on one machine. Every part is built on first use and then kept, so a function pays only
 * for what it serves.
 */
export class Service {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly aggregates: readonly RegisteredAggregate[];
  private readonly clients: ServiceClients;
  private readonly built = new Map<string, unknown>();
  private readonly byType: ReadonlyMap<string, AggregateServices>;
  /** Every stream type of the table by key prefix (`CUSTOMER` → `Customer`). */
  private readonly typesByPrefix: Readonly<Record<string, string>>;

  constructor(options: ServiceOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.metrics = options.metrics ?? noMetrics;
    this.clients = options.clients;
    this.aggregates = options.aggregates ?? AGGREGATES;
    // Types, prefixes, event types and view tables each claimed once, or a clear refusal.
    checkDeclarations(this.aggregates);
    const typesByPrefix = Object.fromEntries(
      this.aggregates.map(({ streamPrefix, type }) => [streamPrefix, type]),
    );
    this.typesByPrefix = typesByPrefix;
    const context = {
      config: this.config,
      dynamodb: this.clients.dynamodb,
      logger: this.logger,
      metrics: this.metrics,
      streamTypes: typesByPrefix,
      crypto: () => this.crypto,
      fingerprints: () =>
        buildRequestFingerprints({
          crypto: this.crypto,
          config: this.config,
          dynamodb: this.clients.dynamodb,
        }),
    };
    this.byType = new Map(
      this.aggregates.map((module) => [module.type, new AggregateServices(module, context)]),
    );
  }

  /**
   * One registered module's services: by the module itself (typed by it), or by its type;
   * `UnregisteredStreamTypeError` for a type no module is registered for.
   */
  aggregate<Queries>(module: {
    type: string;
    readModels: (context: ModuleContext) => ReadModels<Queries>;
  }): AggregateServices<Queries>;
  aggregate(type: string): AggregateServices;
  aggregate(key: string | { type: string }): AggregateServices {
    const type = typeof key === 'string' ? key : key.type;
    const services = this.byType.get(type);
    if (!services) throw new UnregisteredStreamTypeError(type);
    return services;
  }

  /**
   * The streams of the type that items without one read as (the first aggregate's): what
   * the projector's catch-up, rebuild, audit and other readers of it use, decoded.
   */
  get eventStore(): EventStore & StreamCatalog {
    return this.aggregate(UNTYPED_STREAM_TYPE).events;
  }

  /** Data keys, codec and hashed claims; undefined without a KMS client and `KMS_KEY_ID`. */
  get crypto(): ServiceCrypto | undefined {
    return this.once('crypto', () => {
      const kms = this.clients.kms;
      if (!kms || !this.config.KMS_KEY_ID) return undefined;
      return buildServiceCrypto({ config: this.config, kms, dynamodb: this.clients.dynamodb });
    });
  }

  /** The sanctioned in-place rewrites of the first type's stored events. */
  get streamEraser(): DynamoDBStreamEraser {
    return this.aggregate(UNTYPED_STREAM_TYPE).streamEraser;
  }

  /** The events as stored (ciphertext): what the publisher sends, what rewrites touch. */
  get storedEvents(): DynamoDBEventStore {
    return this.aggregate(UNTYPED_STREAM_TYPE).storedEvents;
  }

  /**
   * Every registered stream type with its decoded events, upcaster and read models: what
   * the publisher, projector, reconciler, rebuild and audit route by.
   */
  get streamTypes(): StreamTypes {
    return this.once(
      'streamTypes',
      () => new StreamTypes([...this.byType.values()].map((services) => services.streamType)),
    );
  }

  /** The HTTP API serving every module's command routes, query routes, or both. */
  httpApp(
    sides: { commands?: boolean; queries?: boolean },
    extras: Pick<HttpAppDependencies, 'operations' | 'console' | 'activity' | 'authenticate'> = {},
  ): Hono<HttpEnv> {
    return createHttpApp({
      aggregates: this.aggregates,
      consoleSignIn: consoleSignInFrom(this.config),
      ...extras,
      ...(sides.commands ? { commands: this.routes('commands') } : {}),
      ...(sides.queries ? { queries: this.routes('queries') } : {}),
      logger: this.logger,
    });
  }

  private routes(side: 'commands' | 'queries'): DocumentedRoutes<HttpEnv>[] {
    return [...this.byType.values()].flatMap((services) => services.routes(side) ?? []);
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
          streamTypes: this.typesByPrefix,
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
      streams: this.streamTypes,
      name: this.reconcilerName,
      metrics: this.metrics,
      logger: this.logger,
      ...overrides,
    });
  }

  /** SQS batch of event notifications → read models, from what the event store holds. */
  get projector(): (event: SQSEvent) => Promise<SQSBatchResponse> {
    return this.once('projector', () =>
      createProjectorHandler({
        streams: this.streamTypes,
        logger: this.logger,
        metrics: this.metrics,
        maxReceiveCount: this.config.PROJECTION_MAX_RECEIVE_COUNT,
      }),
    );
  }

  /** What a rebuild reads and writes (`rebuildViews({ ...service.rebuildSources, ... })`). */
  get rebuildSources(): Pick<RebuildOptions, 'catalog' | 'streams'> {
    return { catalog: this.eventStore, streams: this.streamTypes };
  }

  /**
   * A blue/green rebuild's sources: the same streams, one read model (by default the
   * Customer views) written into another table (`npm run rebuild -- --into <table>`), listed
   * page by page with a cursor, with the table's definition and the live tables it must not be.
   */
  rebuildSourcesInto(
    tableName: string,
    projection = this.streamTypes.projections[0]?.projection.name ?? '',
  ): Pick<RebuildOptions, 'streams'> & {
    pages: DynamoDBEventStore;
    projection: string;
    definition: TableDefinition;
    liveTables: readonly string[];
    setting: string;
  } {
    const declared = this.viewTableOf(projection);
    return {
      pages: this.storedEvents,
      streams: this.streamTypes.into(projection, tableName),
      projection,
      ...declared,
      liveTables: [this.config.QUERY_TABLE, ...Object.values(this.config.VIEW_TABLES)],
    };
  }

  /** The declared table of a read model, and the setting that names it in a deployment. */
  private viewTableOf(projection: string): { definition: TableDefinition; setting: string } {
    for (const module of this.aggregates) {
      const services = this.aggregate(module.type);
      const binding = services.projections.find((p) => p.name === projection);
      if (!binding) continue;
      const table = module.viewTables.find((t) => t.id === binding.viewTable);
      if (!table) break;
      return {
        definition: table.definition,
        setting: table.id === LEGACY_VIEWS_TABLE_ID ? 'QUERY_TABLE' : `VIEW_TABLES[${table.id}]`,
      };
    }
    throw new TypeError(`no view table is declared for the read model ${projection}`);
  }

  /**
   * What an audit compares (`auditViews({ ...service.auditSources, ... })`), and what the
   * audit and repair of one stream of the first type read (the operations routes).
   */
  get auditSources(): Pick<AuditOptions, 'catalog' | 'streams' | 'metrics'> & {
    events: EventStore;
    views: AuditViewSource;
    repair: ViewRepairSources<VersionedView>;
  } {
    const first = this.aggregate(UNTYPED_STREAM_TYPE);
    const views = first.projections[0];
    if (!views?.audit || !isRepairable(views.views)) {
      throw new TypeError(
        `the ${first.module.type} read model cannot be audited and repaired one stream at a time`,
      );
    }
    return {
      catalog: this.eventStore,
      streams: this.streamTypes,
      metrics: this.metrics,
      events: this.eventStore,
      views: views.audit,
      repair: { ...views, views: views.views, events: this.eventStore },
    };
  }

  /**
   * Waits for work a command left running (a snapshot). On Lambda it is awaited before the
   * handler returns, since a frozen container would hold a half-written snapshot; locally it
   * runs off the request path and is awaited at shutdown.
   */
  async settle(): Promise<void> {
    await Promise.all([...this.byType.values()].map((services) => services.drain()));
  }

  private publisherOptions() {
    const client = this.clients.eventBridge;
    if (!client) throw new TypeError('the publisher needs an EventBridge client');
    return {
      client,
      busName: this.config.EVENT_BUS_NAME,
      source: this.config.EVENT_SOURCE_NAME,
      // Consumers on the bus see the latest shape, whatever version was stored.
      upcast: (envelope: EventEnvelope) => this.streamTypes.upcast(envelope),
      logger: this.logger,
      metrics: this.metrics,
    };
  }

  private once<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }
}
