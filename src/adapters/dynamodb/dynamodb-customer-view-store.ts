import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerViewRecord } from '../../app/customer-view.js';
import { ViewConflictError, type ViewStore } from '../../core/view-store.js';
import { batchGetItems } from './batch-get-items.js';
import { toCustomerViewItem, toCustomerViewRecord } from './customer-view-item.js';
import { isConditionalCheckFailed, rethrowTransient } from './dynamodb-errors.js';

export interface DynamoDBCustomerViewStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** The Customer read model on DynamoDB: one item per customer, written conditionally. */
export class DynamoDBCustomerViewStore implements ViewStore<CustomerViewRecord> {
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
}
