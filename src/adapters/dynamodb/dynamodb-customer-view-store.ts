import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerViewRecord } from '../../app/customer-view.js';
import {
  type RepairableViewStore,
  type StoredView,
  ViewConflictError,
} from '../../core/view-store.js';
import { batchGetItems } from './batch-get-items.js';
import { toCustomerViewItem, toCustomerViewRecord, upcastViewItem } from './customer-view-item.js';
import { isConditionalCheckFailed, rethrowTransient } from './dynamodb-errors.js';

export interface DynamoDBCustomerViewStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * The condition that the item is still exactly `stored`: each attribute read has its value,
 * and none of the attributes about to be written that were absent has appeared since.
 */
const unchangedSince = (
  stored: Readonly<Record<string, unknown>>,
  next: Record<string, unknown>,
) => {
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

/** The Customer read model on DynamoDB: one item per customer, written conditionally. */
export class DynamoDBCustomerViewStore implements RepairableViewStore<CustomerViewRecord> {
  readonly storesIndexKeys = true;
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDBCustomerViewStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async get(id: string): Promise<CustomerViewRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { customerId: id },
          ConsistentRead: true,
        }),
      );
      return Item ? toCustomerViewRecord(Item) : undefined;
    } catch (error) {
      return rethrowTransient(error, 'GetItem');
    }
  }

  /** A projector batch's views in one `BatchGetItem` (per 100), read consistently. */
  async getMany(ids: readonly string[]): Promise<Map<string, CustomerViewRecord>> {
    const items = await batchGetItems({
      client: this.client,
      tableName: this.tableName,
      keyName: 'customerId',
      ids,
    });
    return new Map([...items].map(([id, item]) => [id, toCustomerViewRecord(item)]));
  }

  async put(id: string, view: CustomerViewRecord, readVersion: number): Promise<void> {
    if (view.customerId !== id) {
      throw new RangeError(`View of ${view.customerId} cannot be stored as ${id}`);
    }
    const isNew = readVersion === 0;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          // A whole-item put, so a field the view no longer has (suspensionReason) goes too.
          Item: toCustomerViewItem(view),
          ConditionExpression: isNew ? 'attribute_not_exists(customerId)' : '#version = :read',
          ...(isNew
            ? {}
            : {
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':read': readVersion },
              }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ViewConflictError(id, readVersion, { cause: error });
      }
      rethrowTransient(error, 'PutItem');
    }
  }

  async getStored(id: string): Promise<StoredView | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { customerId: id },
          ConsistentRead: true,
        }),
      );
      return Item && { item: upcastViewItem(Item), stored: Item };
    } catch (error) {
      return rethrowTransient(error, 'GetItem');
    }
  }

  async replace(id: string, view: CustomerViewRecord, read: StoredView | undefined): Promise<void> {
    if (view.customerId !== id) {
      throw new RangeError(`View of ${view.customerId} cannot be stored as ${id}`);
    }
    const item = toCustomerViewItem(view);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...(read
            ? unchangedSince(read.stored, item)
            : { ConditionExpression: 'attribute_not_exists(customerId)' }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        const readVersion = typeof read?.stored.version === 'number' ? read.stored.version : 0;
        throw new ViewConflictError(id, readVersion, { cause: error });
      }
      rethrowTransient(error, 'PutItem');
    }
  }
}
