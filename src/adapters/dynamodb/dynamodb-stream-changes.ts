import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { UNTYPED_STREAM_TYPE } from '../../core/event.js';
import type { Checkpoints, StreamChange, StreamChanges } from '../../core/stream-changes.js';
import { rethrowTransient } from './dynamodb-errors.js';
import {
  CHANGE_INDEX,
  changeBucketsBetween,
  changeShardsToRead,
  DEFAULT_CHANGE_INDEX_SHARDS,
} from './event-store-keys.js';

export interface DynamoDBStreamChangesOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /**
   * The shard count writers use (`CHANGE_INDEX_SHARDS`); at least today's 16 are read, so
   * events written under either count are found.
   */
  shards?: number;
  /** Buckets queried at once. */
  concurrency?: number;
  /**
   * The stream type of each key prefix (`CUSTOMER` → `Customer`): the index holds keys only,
   * so a change's type is read from its stream's prefix. A prefix not listed is passed on as
   * the type `?<prefix>`, which no module registers: consumers count it, never skip it.
   */
  streamTypes?: Readonly<Record<string, string>>;
}

type Key = Record<string, unknown>;

/** Before modules declared their prefixes, every stream was a Customer's. */
const UNTYPED_PREFIXES: Readonly<Record<string, string>> = { CUSTOMER: UNTYPED_STREAM_TYPE };

/** `CUSTOMER#<id>` / `EVENT#0000000007` → the stream's type, id and version. */
const toChange = (
  item: Record<string, unknown>,
  streamTypes: Readonly<Record<string, string>>,
): StreamChange | undefined => {
  const pk = String(item.PK ?? '');
  const sk = String(item.SK ?? '');
  const hash = pk.indexOf('#');
  const version = Number(sk.slice('EVENT#'.length));
  if (hash < 0 || !sk.startsWith('EVENT#') || !Number.isInteger(version)) return undefined;
  const prefix = pk.slice(0, hash);
  return {
    aggregateType: streamTypes[prefix] ?? `?${prefix}`,
    aggregateId: pk.slice(hash + 1),
    version,
    timestamp: String(item.timestamp),
  };
};

/**
 * The change index of the event store table (`byChange`): one Query per hour-and-shard
 * bucket in the range, each reading only the keys of the events in it. Yields a page of
 * each bucket in flight at a time, so what it holds is bounded by pages, not by the range.
 */
export class DynamoDBStreamChanges implements StreamChanges {
  private readonly concurrency: number;
  private readonly shards: number;
  private readonly streamTypes: Readonly<Record<string, string>>;

  constructor(private readonly options: DynamoDBStreamChangesOptions) {
    this.concurrency = Math.max(options.concurrency ?? 16, 1);
    this.shards = changeShardsToRead(options.shards ?? DEFAULT_CHANGE_INDEX_SHARDS);
    this.streamTypes = options.streamTypes ?? UNTYPED_PREFIXES;
  }

  async *changesBetween(from: string, to: string): AsyncIterable<StreamChange[]> {
    const buckets = changeBucketsBetween(from, to, this.shards);
    for (let i = 0; i < buckets.length; i += this.concurrency) {
      // Each bucket of the group with the key its next page starts at (none: first page).
      let open = buckets
        .slice(i, i + this.concurrency)
        .map((bucket) => ({ bucket, startKey: undefined as Key | undefined }));
      while (open.length > 0) {
        const pages = await Promise.all(
          open.map(({ bucket, startKey }) => this.page(bucket, from, to, startKey)),
        );
        const changes = pages.flatMap((page) => page.changes);
        if (changes.length > 0) yield changes;
        open = open.flatMap(({ bucket }, index) => {
          const startKey = pages[index]?.next;
          return startKey ? [{ bucket, startKey }] : [];
        });
      }
    }
  }

  private async page(
    bucket: string,
    from: string,
    to: string,
    startKey: Key | undefined,
  ): Promise<{ changes: StreamChange[]; next: Key | undefined }> {
    try {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: CHANGE_INDEX,
          KeyConditionExpression: 'changeBucket = :bucket AND #ts BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#ts': 'timestamp' },
          ExpressionAttributeValues: { ':bucket': bucket, ':from': from, ':to': to },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const changes: StreamChange[] = [];
      for (const item of page.Items ?? []) {
        const change = toChange(item, this.streamTypes);
        if (change) changes.push(change);
      }
      return { changes, next: page.LastEvaluatedKey };
    } catch (error) {
      return rethrowTransient(error, 'Query');
    }
  }
}

/**
 * Checkpoints as items of the event store table (`PK = CHECKPOINT#<name>`), which no
 * stream, catalog scan or publisher reads (they look for `itemType = EVENT`).
 */
export class DynamoDBCheckpoints implements Checkpoints {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  async read(name: string): Promise<string | undefined> {
    try {
      const { Item } = await this.options.client.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: { PK: `CHECKPOINT#${name}`, SK: 'CHECKPOINT' },
          ConsistentRead: true,
        }),
      );
      return typeof Item?.value === 'string' ? Item.value : undefined;
    } catch (error) {
      return rethrowTransient(error, 'GetItem');
    }
  }

  async write(name: string, value: string): Promise<void> {
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { PK: `CHECKPOINT#${name}`, SK: 'CHECKPOINT', itemType: 'CHECKPOINT', value },
        }),
      );
    } catch (error) {
      rethrowTransient(error, 'PutItem');
    }
  }
}
