import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Checkpoints, StreamChange, StreamChanges } from '../../core/stream-changes.js';
import { rethrowTransient } from './dynamodb-errors.js';
import { CHANGE_INDEX, changeBucketsBetween } from './event-store-keys.js';

export interface DynamoDBStreamChangesOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Buckets queried at once (one hour has `CHANGE_INDEX_SHARDS`). */
  concurrency?: number;
}

type Key = Record<string, unknown>;

/** `CUSTOMER#<id>` / `EVENT#0000000007` → the stream and version. */
const toChange = (item: Record<string, unknown>): StreamChange | undefined => {
  const pk = String(item.PK ?? '');
  const sk = String(item.SK ?? '');
  const hash = pk.indexOf('#');
  const version = Number(sk.slice('EVENT#'.length));
  if (hash < 0 || !sk.startsWith('EVENT#') || !Number.isInteger(version)) return undefined;
  return { aggregateId: pk.slice(hash + 1), version, timestamp: String(item.timestamp) };
};

/**
 * The change index of the event store table (`byChange`): one Query per hour-and-shard
 * bucket in the range, each reading only the keys of the events in it.
 */
export class DynamoDBStreamChanges implements StreamChanges {
  private readonly concurrency: number;

  constructor(private readonly options: DynamoDBStreamChangesOptions) {
    this.concurrency = Math.max(options.concurrency ?? 16, 1);
  }

  async *changesBetween(from: string, to: string): AsyncIterable<StreamChange[]> {
    const buckets = changeBucketsBetween(from, to);
    for (let i = 0; i < buckets.length; i += this.concurrency) {
      const pages = await Promise.all(
        buckets.slice(i, i + this.concurrency).map((bucket) => this.bucket(bucket, from, to)),
      );
      const changes = pages.flat();
      if (changes.length > 0) yield changes;
    }
  }

  private async bucket(bucket: string, from: string, to: string): Promise<StreamChange[]> {
    const changes: StreamChange[] = [];
    let startKey: Key | undefined;
    do {
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
        for (const item of page.Items ?? []) {
          const change = toChange(item);
          if (change) changes.push(change);
        }
        startKey = page.LastEvaluatedKey;
      } catch (error) {
        rethrowTransient(error, 'Query');
      }
    } while (startKey);
    return changes;
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
