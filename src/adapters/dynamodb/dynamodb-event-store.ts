import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  ConcurrencyError,
  DuplicateCommandError,
  TooManyEventsError,
  UniquenessError,
} from '../../core/errors.js';
import { type EventEnvelope, type StreamRef, UNTYPED_STREAM_TYPE } from '../../core/event.js';
import type {
  AppendOptions,
  AppendResult,
  CommandRecord,
  CommandRecordEraser,
  EventStore,
  LoadedStream,
  ReadStreamOptions,
  Snapshot,
  StreamCatalog,
  UniqueClaim,
} from '../../core/event-store.js';
import {
  cancellationReasons,
  isConditionalCheckFailed,
  rethrowTransient,
} from './dynamodb-errors.js';
import {
  CHANGE_BUCKET_ATTRIBUTE,
  changeBucket,
  claimKey,
  commandKey,
  eventSortKey,
  ITEM_TYPE,
  MAX_VERSION,
  SNAPSHOT_SORT_KEY,
  streamKey,
} from './event-store-keys.js';

const MAX_TRANSACTION_ITEMS = 100;

export interface DynamoDBEventStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Partition key prefix of this aggregate type's streams, without the `#` the store adds. */
  streamPrefix?: string;
  /**
   * The type of this store's streams: stamped on nothing (envelopes carry it), but what an
   * item written before the type travelled with its event reads as.
   */
  aggregateType?: string;
  /**
   * Every stream type of the table by key prefix (`CUSTOMER` → `Customer`), for the
   * table-wide catalog: a first event written before the type travelled is typed by its
   * prefix. An unlisted prefix is passed on as the type `?<prefix>`, which nothing registers.
   */
  streamTypes?: Readonly<Record<string, string>>;
  /**
   * Items read by the first, newest-first query of a load: the snapshot plus this many
   * events minus one. With snapshots every N events, N + 1 loads any stream in one call.
   */
  loadWindow?: number;
  /** How long an idempotency record is kept (DynamoDB TTL). */
  commandRecordTtlSeconds?: number;
  /** Shards per hour of the change index (`CHANGE_INDEX_SHARDS`). */
  changeIndexShards?: number;
}

type Item = Record<string, unknown>;

/** An event item as an envelope; one written before the type travelled reads as `untyped`. */
const toEnvelope = (item: Item, untyped: string): EventEnvelope => ({
  eventId: item.eventId as string,
  aggregateType: typeof item.aggregateType === 'string' ? item.aggregateType : untyped,
  aggregateId: item.aggregateId as string,
  eventType: item.eventType as string,
  payload: item.payload,
  timestamp: item.timestamp as string,
  version: item.version as number,
  metadata: item.metadata as EventEnvelope['metadata'],
});

export const toEventItem = (
  prefix: string,
  event: EventEnvelope,
  changeIndexShards?: number,
): Item => ({
  PK: streamKey(prefix, event.aggregateId),
  SK: eventSortKey(event.version),
  itemType: ITEM_TYPE.event,
  // The change index key: part of the same put, so the command path makes no extra call.
  [CHANGE_BUCKET_ATTRIBUTE]: changeBucket(event.timestamp, event.aggregateId, changeIndexShards),
  ...event,
});

/** Event store on one DynamoDB table; appends are conditional writes, never overwrites. */
export class DynamoDBEventStore implements EventStore, StreamCatalog, CommandRecordEraser {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly prefix: string;
  private readonly aggregateType: string;
  private readonly streamTypes: Readonly<Record<string, string>>;
  private readonly loadWindow: number;
  private readonly ttlSeconds: number;
  private readonly changeIndexShards: number | undefined;

  constructor(options: DynamoDBEventStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.prefix = options.streamPrefix ?? 'CUSTOMER';
    this.aggregateType = options.aggregateType ?? UNTYPED_STREAM_TYPE;
    this.streamTypes = options.streamTypes ?? { [this.prefix]: this.aggregateType };
    this.loadWindow = Math.max(options.loadWindow ?? 51, 2);
    this.ttlSeconds = options.commandRecordTtlSeconds ?? 7 * 24 * 3600;
    this.changeIndexShards = options.changeIndexShards;
  }

  async load(
    aggregateId: string,
    options: { snapshotSchemaVersion?: number } = {},
  ): Promise<LoadedStream> {
    const pk = streamKey(this.prefix, aggregateId);
    // Newest first, from the snapshot down: one call for a stream whose tail fits the window.
    const first = await this.query({
      KeyConditionExpression: 'PK = :pk AND SK <= :top',
      ExpressionAttributeValues: { ':pk': pk, ':top': SNAPSHOT_SORT_KEY },
      ScanIndexForward: false,
      Limit: this.loadWindow,
    });
    let snapshot: Snapshot | undefined;
    const newestFirst: EventEnvelope[] = [];
    for (const item of first.items) {
      if (item.itemType === ITEM_TYPE.snapshot) {
        if (item.schemaVersion === options.snapshotSchemaVersion) {
          snapshot = {
            version: item.version as number,
            schemaVersion: item.schemaVersion as number,
            state: item.state,
            takenAt: item.takenAt as string,
          };
        }
      } else if (item.itemType === ITEM_TYPE.event) {
        newestFirst.push(toEnvelope(item, this.aggregateType));
      }
    }
    const base = snapshot?.version ?? 0;
    let events = newestFirst.filter((e) => e.version > base).reverse();
    const lowest = events[0]?.version;
    if (first.more && lowest !== undefined && lowest > base + 1) {
      // The window did not reach the snapshot (or the stream's start): read the gap.
      const gap = await this.readStream(aggregateId, {
        fromVersion: base + 1,
        toVersion: lowest - 1,
      });
      events = [...gap, ...events];
    }
    const latest = newestFirst[0]?.version ?? base;
    return { snapshot, events, version: Math.max(latest, base) };
  }

  async readStream(aggregateId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    const from = Math.max(options.fromVersion ?? 1, 1);
    const to = Math.min(options.toVersion ?? MAX_VERSION, MAX_VERSION);
    if (to < from) return [];
    const events: EventEnvelope[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.query({
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': streamKey(this.prefix, aggregateId),
          ':from': eventSortKey(from),
          ':to': eventSortKey(to),
        },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      for (const item of page.items) events.push(toEnvelope(item, this.aggregateType));
      startKey = page.lastKey;
    } while (startKey);
    return events;
  }

  async append(
    aggregateId: string,
    events: EventEnvelope[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const claims = options.claims ?? [];
    const releases = options.releases ?? [];
    const checks = options.claimChecks ?? [];
    const version = options.expectedVersion + events.length;
    const single = events[0];
    if (
      events.length === 1 &&
      single &&
      !options.command &&
      claims.length + releases.length + checks.length === 0
    ) {
      // One event alone: a conditional put costs half a transaction.
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toEventItem(this.prefix, single, this.changeIndexShards),
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        );
      } catch (error) {
        if (isConditionalCheckFailed(error)) {
          throw new ConcurrencyError(aggregateId, options.expectedVersion, { cause: error });
        }
        rethrowTransient(error, 'PutItem');
      }
      return { version };
    }

    const items = this.transactionItems(aggregateId, events, options, claims, releases, checks);
    if (items.length > MAX_TRANSACTION_ITEMS) {
      throw new TooManyEventsError(
        `One append takes at most ${MAX_TRANSACTION_ITEMS} items, this one needs ${items.length}`,
      );
    }
    try {
      await this.client.send(
        new TransactWriteCommand({ TransactItems: items.map((i) => i.write) }),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) rethrowTransient(error, 'TransactWriteItems');
      throw this.explainCancellation(aggregateId, options, items, reasons ?? [], error);
    }
    return { version };
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: commandKey(commandId),
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return {
        commandId,
        // Recorded before the type travelled with the command: the one type there was.
        aggregateType:
          typeof Item.aggregateType === 'string' ? Item.aggregateType : UNTYPED_STREAM_TYPE,
        aggregateId: Item.aggregateId as string,
        version: Item.version as number,
        requestHash: Item.requestHash as string,
      };
    } catch (error) {
      return rethrowTransient(error, 'GetItem');
    }
  }

  async deleteCommandRecords(aggregateId: string): Promise<number> {
    const commandIds = await this.commandIdsOf(aggregateId);
    let deleted = 0;
    for (const commandId of commandIds) {
      try {
        await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: commandKey(commandId),
            // A key reused after its record expired belongs to another stream now: keep it.
            ConditionExpression: this.ownRecordCondition,
            ExpressionAttributeValues: {
              ':aggregateId': aggregateId,
              ':aggregateType': this.aggregateType,
            },
          }),
        );
        deleted++;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) rethrowTransient(error, 'DeleteItem');
      }
    }
    return deleted;
  }

  async saveSnapshot(aggregateId: string, snapshot: Snapshot): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: streamKey(this.prefix, aggregateId),
            SK: SNAPSHOT_SORT_KEY,
            itemType: ITEM_TYPE.snapshot,
            aggregateType: this.aggregateType,
            aggregateId,
            ...snapshot,
          },
          // Never replace a newer snapshot with an older one.
          ConditionExpression: 'attribute_not_exists(PK) OR version < :version',
          ExpressionAttributeValues: { ':version': snapshot.version },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return;
      rethrowTransient(error, 'PutItem');
    }
  }

  /** Every stream of every type, found by a paged scan for first events (bounded memory). */
  async *listStreams(options: { pageSize?: number } = {}): AsyncIterable<StreamRef[]> {
    const pageSize = options.pageSize ?? 100;
    for await (const { streams } of this.listStreamPages()) {
      for (let i = 0; i < streams.length; i += pageSize) yield streams.slice(i, i + pageSize);
    }
  }

  /** The ids of this store's own type, from the same scan. */
  async *listAggregateIds(options: { pageSize?: number } = {}): AsyncIterable<string[]> {
    for await (const page of this.listStreams(options)) {
      const ids = page
        .filter((stream) => stream.aggregateType === this.aggregateType)
        .map((stream) => stream.aggregateId);
      if (ids.length > 0) yield ids;
    }
  }

  /** One page of `listStreamPages` as the ids of this store's own type. */
  async *listAggregateIdPages(
    options: { after?: string; limit?: number } = {},
  ): AsyncIterable<{ ids: string[]; cursor: string | undefined }> {
    for await (const { streams, cursor } of this.listStreamPages(options)) {
      const ids = streams
        .filter((stream) => stream.aggregateType === this.aggregateType)
        .map((stream) => stream.aggregateId);
      yield { ids, cursor };
    }
  }

  private typeOf(item: Item): string {
    if (typeof item.aggregateType === 'string') return item.aggregateType;
    const pk = String(item.PK ?? '');
    const prefix = pk.slice(0, Math.max(pk.indexOf('#'), 0));
    return this.streamTypes[prefix] ?? `?${prefix}`;
  }

  /**
   * The same scan, one page at a time with the cursor after it, so a long job (a blue/green
   * rebuild) can stop and resume after the last page it finished.
   */
  async *listStreamPages(
    options: { after?: string; limit?: number } = {},
  ): AsyncIterable<{ streams: StreamRef[]; cursor: string | undefined }> {
    let startKey: Item | undefined =
      options.after === undefined
        ? undefined
        : (JSON.parse(Buffer.from(options.after, 'base64url').toString('utf8')) as Item);
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'itemType = :event AND SK = :first',
          ExpressionAttributeValues: { ':event': ITEM_TYPE.event, ':first': eventSortKey(1) },
          ProjectionExpression: 'PK, aggregateType, aggregateId',
          ...(options.limit ? { Limit: options.limit } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      startKey = page.LastEvaluatedKey;
      const cursor = startKey
        ? Buffer.from(JSON.stringify(startKey), 'utf8').toString('base64url')
        : undefined;
      const streams = (page.Items ?? []).map((item) => ({
        aggregateType: this.typeOf(item),
        aggregateId: item.aggregateId as string,
      }));
      yield { streams, cursor };
    } while (startKey);
  }

  /**
   * A command record of this store's stream: same id and type. Records written before the
   * type travelled hold none and are Customers'.
   */
  private get ownRecordCondition(): string {
    return this.aggregateType === UNTYPED_STREAM_TYPE
      ? 'aggregateId = :aggregateId AND (aggregateType = :aggregateType OR attribute_not_exists(aggregateType))'
      : 'aggregateId = :aggregateId AND aggregateType = :aggregateType';
  }

  /** The idempotency keys in the stream's metadata, read without the payloads. */
  private async commandIdsOf(aggregateId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    let startKey: Item | undefined;
    do {
      const page = await this.query({
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': streamKey(this.prefix, aggregateId),
          ':from': eventSortKey(1),
          ':to': eventSortKey(MAX_VERSION),
        },
        ProjectionExpression: '#metadata.commandId',
        ExpressionAttributeNames: { '#metadata': 'metadata' },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      for (const item of page.items) {
        const commandId = (item.metadata as { commandId?: unknown } | undefined)?.commandId;
        if (typeof commandId === 'string') ids.add(commandId);
      }
      startKey = page.lastKey;
    } while (startKey);
    return ids;
  }

  private transactionItems(
    aggregateId: string,
    events: EventEnvelope[],
    options: AppendOptions,
    claims: UniqueClaim[],
    releases: UniqueClaim[],
    checks: UniqueClaim[],
  ) {
    type Write = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
    const items: {
      role: 'event' | 'command' | 'claim' | 'release' | 'check';
      claim?: UniqueClaim;
      write: Write;
    }[] = [];
    for (const event of events) {
      items.push({
        role: 'event',
        write: {
          Put: {
            TableName: this.tableName,
            Item: toEventItem(this.prefix, event, this.changeIndexShards),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      });
    }
    if (options.command) {
      items.push({
        role: 'command',
        write: {
          Put: {
            TableName: this.tableName,
            Item: {
              ...commandKey(options.command.commandId),
              itemType: ITEM_TYPE.command,
              aggregateType: options.command.aggregateType,
              aggregateId,
              version: options.command.version,
              requestHash: options.command.requestHash,
              expiresAt: Math.floor(Date.now() / 1000) + this.ttlSeconds,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      });
    }
    for (const claim of claims) {
      items.push({
        role: 'claim',
        claim,
        write: {
          Put: {
            TableName: this.tableName,
            Item: {
              ...claimKey(claim.scope, claim.value),
              itemType: ITEM_TYPE.claim,
              owner: aggregateId,
            },
            ConditionExpression: 'attribute_not_exists(PK) OR #owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': aggregateId },
          },
        },
      });
    }
    for (const check of checks) {
      items.push({
        role: 'check',
        claim: check,
        write: {
          ConditionCheck: {
            TableName: this.tableName,
            Key: claimKey(check.scope, check.value),
            ConditionExpression: 'attribute_not_exists(PK) OR #owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': aggregateId },
          },
        },
      });
    }
    for (const release of releases) {
      items.push({
        role: 'release',
        claim: release,
        write: {
          Delete: {
            TableName: this.tableName,
            Key: claimKey(release.scope, release.value),
            ConditionExpression: 'attribute_not_exists(PK) OR #owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': aggregateId },
          },
        },
      });
    }
    return items;
  }

  private explainCancellation(
    aggregateId: string,
    options: AppendOptions,
    items: { role: string; claim?: UniqueClaim }[],
    reasons: { Code?: string }[],
    error: unknown,
  ): Error {
    let conflict = false;
    for (const [index, reason] of reasons.entries()) {
      const item = items[index];
      if (!item || reason.Code === undefined || reason.Code === 'None') continue;
      if (reason.Code === 'TransactionConflict') conflict = true;
      if (reason.Code !== 'ConditionalCheckFailed') continue;
      if (item.role === 'event') conflict = true;
      // A recorded command wins over every other reason: the caller answers its result.
      if (item.role === 'command' && options.command) {
        return new DuplicateCommandError(options.command.commandId, { cause: error });
      }
    }
    if (conflict)
      return new ConcurrencyError(aggregateId, options.expectedVersion, { cause: error });
    for (const [index, reason] of reasons.entries()) {
      const claim = items[index]?.claim;
      if (reason.Code === 'ConditionalCheckFailed' && claim) {
        return new UniquenessError(claim.scope, claim.value, { cause: error });
      }
    }
    return new ConcurrencyError(aggregateId, options.expectedVersion, { cause: error });
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>) {
    try {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.tableName, ConsistentRead: true, ...input }),
      );
      return {
        items: (page.Items ?? []) as Item[],
        lastKey: page.LastEvaluatedKey as Item | undefined,
        more: page.LastEvaluatedKey !== undefined,
      };
    } catch (error) {
      return rethrowTransient(error, 'Query');
    }
  }
}
