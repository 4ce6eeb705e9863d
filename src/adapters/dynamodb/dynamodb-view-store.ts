import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { VersionedView } from '../../core/projection.js';
import type { AuditViewSource } from '../../core/stream-types.js';
import {
  type RepairableViewStore,
  type StoredView,
  ViewConflictError,
} from '../../core/view-store.js';
import { batchGetItems } from './batch-get-items.js';
import { isConditionalCheckFailed, rethrowTransient } from './dynamodb-errors.js';

type Item = Record<string, unknown>;

/** How one read model's views become items and back. */
export interface ViewItemMapping<View> {
  /** The whole item stored for a view: its fields, plus any index attributes. */
  toItem(view: View): Item;
  /** The view an item holds, as `readItem` gives it. */
  fromItem(item: Item): View;
  /** A stored item as the current code reads it (an older layout lifted); as stored by default. */
  readItem?(item: Item): Item;
}

export interface DynamoDBViewStoreOptions<View> {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The table's partition key, a view field holding the stream's id (`accountId`). */
  keyName: string;
  /** By default a view is stored as it is, one attribute per field. */
  mapping?: ViewItemMapping<View>;
  /** True when `toItem` adds index attributes beside the view's fields. */
  storesIndexKeys?: boolean;
}

/**
 * The condition that the item is still exactly `stored`: each attribute read has its value,
 * and none of the attributes about to be written that were absent has appeared since.
 */
export const unchangedSince = (stored: Readonly<Item>, next: Item) => {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const terms: string[] = [];
  Object.entries(stored).forEach(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    terms.push(`#s${i} = :s${i}`);
  });
  Object.keys(next)
    .filter((name) => !(name in stored))
    .forEach((name, i) => {
      names[`#n${i}`] = name;
      terms.push(`attribute_not_exists(#n${i})`);
    });
  return {
    ConditionExpression: terms.join(' AND '),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
};

/**
 * Any read model kept one item per stream in its own table: reads are consistent, every
 * write is conditional on the version (or, for a repair, the exact item) read before it.
 */
export class DynamoDBViewStore<View extends VersionedView> implements RepairableViewStore<View> {
  readonly storesIndexKeys: boolean;
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly keyName: string;
  private readonly toItem: (view: View) => Item;
  private readonly fromItem: (item: Item) => View;
  private readonly readItem: (item: Item) => Item;

  constructor(options: DynamoDBViewStoreOptions<View>) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.keyName = options.keyName;
    this.storesIndexKeys = options.storesIndexKeys ?? false;
    this.toItem = options.mapping?.toItem ?? ((view): Item => ({ ...(view as object) }));
    this.fromItem = options.mapping?.fromItem ?? ((item) => item as unknown as View);
    this.readItem = options.mapping?.readItem ?? ((item) => item);
  }

  async get(id: string): Promise<View | undefined> {
    const item = await this.getItem(id);
    return item && this.fromItem(this.readItem(item));
  }

  /** A projector batch's views in one `BatchGetItem` (per 100), read consistently. */
  async getMany(ids: readonly string[]): Promise<Map<string, View>> {
    const items = await batchGetItems({
      client: this.client,
      tableName: this.tableName,
      keyName: this.keyName,
      ids,
    });
    return new Map([...items].map(([id, item]) => [id, this.fromItem(this.readItem(item))]));
  }

  async put(id: string, view: View, readVersion: number): Promise<void> {
    const item = this.itemOf(id, view);
    const isNew = readVersion === 0;
    // A whole-item put, so a field the view no longer has goes too.
    await this.write(
      id,
      item,
      isNew
        ? {
            ConditionExpression: 'attribute_not_exists(#key)',
            ExpressionAttributeNames: { '#key': this.keyName },
          }
        : {
            ConditionExpression: '#version = :read',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':read': readVersion },
          },
      readVersion,
    );
  }

  async getStored(id: string): Promise<StoredView | undefined> {
    const stored = await this.getItem(id);
    return stored && { item: this.readItem(stored), stored };
  }

  async replace(id: string, view: View, read: StoredView | undefined): Promise<void> {
    const item = this.itemOf(id, view);
    const readVersion = typeof read?.stored.version === 'number' ? read.stored.version : 0;
    await this.write(
      id,
      item,
      read
        ? unchangedSince(read.stored, item)
        : {
            ConditionExpression: 'attribute_not_exists(#key)',
            ExpressionAttributeNames: { '#key': this.keyName },
          },
      readVersion,
    );
  }

  /** Every item as the current code reads it, in pages of at most `pageSize`, read consistently. */
  async *scan(options: { pageSize: number }): AsyncIterable<Item[]> {
    let startKey: Item | undefined;
    do {
      let page: { Items?: Item[]; LastEvaluatedKey?: Item };
      try {
        page = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            Limit: options.pageSize,
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      } catch (error) {
        return rethrowTransient(error, 'Scan');
      }
      if (page.Items && page.Items.length > 0) yield page.Items.map(this.readItem);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** The items as the audit reads them: whole, as the current code reads them, with their id. */
  auditSource(): AuditViewSource {
    return {
      get: async (id) => (await this.getStored(id))?.item,
      scan: (options) => this.scan(options),
      idOf: (item) => String(item[this.keyName]),
      storesIndexKeys: this.storesIndexKeys,
    };
  }

  private itemOf(id: string, view: View): Item {
    const item = this.toItem(view);
    if (item[this.keyName] !== id) {
      throw new RangeError(`View of ${String(item[this.keyName])} cannot be stored as ${id}`);
    }
    return item;
  }

  private async getItem(id: string): Promise<Item | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [this.keyName]: id },
          ConsistentRead: true,
        }),
      );
      return Item;
    } catch (error) {
      return rethrowTransient(error, 'GetItem');
    }
  }

  private async write(
    id: string,
    item: Item,
    condition: {
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    },
    readVersion: number,
  ): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ...condition }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ViewConflictError(id, readVersion, { cause: error });
      }
      rethrowTransient(error, 'PutItem');
    }
  }
}
