import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PersonalDataErasure } from '../adapters/crypto/personal-data-erasure.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { DynamoDBStreamEraser } from '../adapters/dynamodb/dynamodb-stream-eraser.js';
import { AggregateCommands, type CommandService } from '../app/aggregate-commands.js';
import type { DocumentedRoutes } from '../app/http/openapi-route.js';
import type { HttpEnv } from '../app/http/request.js';
import type { Config } from '../config.js';
import { LruAggregateCache } from '../core/aggregate-cache.js';
import type { RequestFingerprints } from '../core/command-handler.js';
import type { EventStore, StreamCatalog } from '../core/event-store.js';
import type { Metrics } from '../core/metrics.js';
import type { Logger } from '../core/ports.js';
import type { VersionedView } from '../core/projection.js';
import type { ProjectionBinding, StreamTypeBinding } from '../core/stream-types.js';
import type { ViewStore } from '../core/view-store.js';
import { type ReadModels, type RegisteredAggregate, viewTableName } from './aggregate-module.js';
import { encodingStoreFor, type ServiceCrypto } from './service-crypto.js';

/** What the composition root hands each module's services: shared by all of them. */
export interface AggregateServicesContext {
  readonly config: Config;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Every stream type of the table by key prefix, for the table-wide catalog. */
  readonly streamTypes: Readonly<Record<string, string>>;
  /** With encryption on: the data keys and hashed claims personal data is stored under. */
  readonly crypto: () => ServiceCrypto | undefined;
  readonly fingerprints: () => RequestFingerprints;
}

/**
 * One registered module's parts, each built on first use: its store, its command service,
 * its read models and queries, its routes. `Service.aggregate(type)` hands them out.
 */
export class AggregateServices<Queries = unknown> {
  private readonly built = new Map<string, unknown>();

  constructor(
    readonly module: RegisteredAggregate,
    private readonly context: AggregateServicesContext,
  ) {}

  /** Its streams as stored (ciphertext where personal data is encrypted). */
  get storedEvents(): DynamoDBEventStore {
    return this.once('storedEvents', () => {
      const { config, dynamodb, streamTypes } = this.context;
      return new DynamoDBEventStore({
        client: dynamodb,
        tableName: config.COMMAND_TABLE,
        streamPrefix: this.module.streamPrefix,
        aggregateType: this.module.type,
        streamTypes,
        // One newest-first query from the snapshot down loads any stream.
        loadWindow: config.SNAPSHOT_EVERY + 1,
        commandRecordTtlSeconds: config.COMMAND_RECORD_TTL_DAYS * 86_400,
        changeIndexShards: config.CHANGE_INDEX_SHARDS,
      });
    });
  }

  /**
   * Its streams as the code reads them: a module with personal data has it encrypted at
   * rest and decrypted on read when a KMS key is configured, so no reader handles ciphertext.
   */
  get events(): EventStore & StreamCatalog {
    return this.once('events', () =>
      encodingStoreFor(this.module, this.storedEvents, this.context.crypto()),
    );
  }

  /** The sanctioned in-place rewrites of its stored events (forgetting, `encrypt-legacy`). */
  get streamEraser(): DynamoDBStreamEraser {
    return this.once('streamEraser', () => {
      const { config, dynamodb } = this.context;
      return new DynamoDBStreamEraser({
        client: dynamodb,
        tableName: config.COMMAND_TABLE,
        streamPrefix: this.module.streamPrefix,
      });
    });
  }

  /**
   * What follows one of its erasure events: the data key, the snapshot, the idempotency
   * records and plaintext of before erased; undefined for a module without personal data.
   */
  get erasure(): PersonalDataErasure | undefined {
    return this.once('erasure', () => {
      const { personalData } = this.module;
      if (!personalData) return undefined;
      const keys = this.context.crypto()?.keys;
      return new PersonalDataErasure({
        aggregateType: this.module.type,
        personalData,
        eraser: this.streamEraser,
        commands: this.storedEvents,
        ...(keys ? { keys } : {}),
      });
    });
  }

  /** Recently used aggregates of this type; undefined when the size is 0. */
  get aggregateCache(): LruAggregateCache<unknown> | undefined {
    return this.once('aggregateCache', () => {
      const { config } = this.context;
      return config.AGGREGATE_CACHE_SIZE > 0
        ? new LruAggregateCache<unknown>(config.AGGREGATE_CACHE_SIZE, {
            maxAgeMs: config.AGGREGATE_CACHE_MAX_AGE_SECONDS * 1000,
          })
        : undefined;
    });
  }

  get commands(): CommandService {
    return this.once('commands', () => {
      const { config, logger, metrics } = this.context;
      const cache = this.aggregateCache;
      return new AggregateCommands(this.module, {
        store: this.events,
        logger,
        metrics,
        snapshotEvery: config.SNAPSHOT_EVERY,
        conflictRetryBudgetMs: config.COMMAND_RETRY_BUDGET_MS,
        erase: (aggregateId: string) => this.erasure?.erase(aggregateId) ?? Promise.resolve(),
        fingerprints: this.context.fingerprints(),
        ...(cache ? { aggregateCache: cache } : {}),
      });
    });
  }

  /** Its read models, over the view tables this deployment names. */
  get readModels(): ReadModels<Queries> {
    return this.once('readModels', () =>
      this.readModelsWith((id) => viewTableName(this.context.config, id)),
    );
  }

  /**
   * Its read models over other tables (`rebuild --into <table>`): the same projections,
   * each view table id mapped to a table by `tableName`.
   */
  readModelsWith(tableName: (id: string) => string): ReadModels<Queries> {
    const { config, dynamodb, logger, metrics } = this.context;
    // The module's own `Queries`, erased in the registration list (`Service.aggregate`).
    return this.module.readModels({
      config,
      dynamodb,
      viewTableName: tableName,
      events: this.events,
      logger,
      metrics,
    }) as ReadModels<Queries>;
  }

  get projections(): readonly ProjectionBinding[] {
    return this.readModels.projections;
  }

  /** The views of one of its read models, by name (its first when none is named). */
  views(name?: string): ViewStore<VersionedView> {
    const binding =
      name === undefined ? this.projections[0] : this.projections.find((p) => p.name === name);
    if (!binding) throw new TypeError(`${this.module.type} has no read model ${name ?? ''}`);
    return binding.views;
  }

  get queries(): Queries {
    return this.readModels.queries;
  }

  /** Its routes of one side, built from its services; none when it serves none there. */
  routes(side: 'commands' | 'queries'): DocumentedRoutes<HttpEnv> | undefined {
    return this.once(`routes:${side}`, () => {
      const { routes } = this.module;
      if (side === 'commands') return routes.commands?.(this.commands);
      return routes.queries?.(this.queries);
    });
  }

  /** What consumers route its events by. */
  get streamType(): StreamTypeBinding {
    return {
      type: this.module.type,
      events: this.events,
      stored: this.storedEvents,
      upcast: this.module.upcaster.upcast,
      projections: this.projections,
    };
  }

  /** Waits for work its commands left running (snapshots), if any ran. */
  async drain(): Promise<void> {
    await (this.built.get('commands') as CommandService | undefined)?.drain();
  }

  private once<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }
}
