import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CustomerKeyStore, StoredKey } from '../../core/data-keys.js';
import { rethrowTransient } from './dynamodb-errors.js';
import {
  dataKeyItemKey,
  putWrappedKeyIfAbsent,
  readWrappedKey,
  requireNonEmpty,
  requireWrappedKey,
  WRAPPED_KEY_ITEM_TYPE,
  type WrappedKeyTable,
} from './wrapped-key-items.js';

export interface DynamoDBCustomerKeyStoreOptions {
  client: DynamoDBDocumentClient;
  /** The event store table. */
  tableName: string;
  now?: () => Date;
}

/** Each customer's wrapped data key, one item per customer in the event store table. */
export class DynamoDBCustomerKeyStore implements CustomerKeyStore {
  private readonly table: WrappedKeyTable;
  private readonly now: () => Date;

  constructor(options: DynamoDBCustomerKeyStoreOptions) {
    this.table = { client: options.client, tableName: options.tableName };
    this.now = options.now ?? (() => new Date());
  }

  async get(customerId: string): Promise<Uint8Array | undefined> {
    requireNonEmpty('customerId', customerId);
    return readWrappedKey(this.table, dataKeyItemKey(customerId));
  }

  async putIfAbsent(customerId: string, wrapped: Uint8Array): Promise<StoredKey> {
    requireNonEmpty('customerId', customerId);
    requireWrappedKey(wrapped);
    return putWrappedKeyIfAbsent(this.table, {
      ...dataKeyItemKey(customerId),
      itemType: WRAPPED_KEY_ITEM_TYPE.dataKey,
      customerId,
      wrappedKey: wrapped,
      createdAt: this.now().toISOString(),
    });
  }

  async delete(customerId: string): Promise<boolean> {
    requireNonEmpty('customerId', customerId);
    try {
      const { Attributes } = await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: dataKeyItemKey(customerId),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes !== undefined;
    } catch (error) {
      return rethrowTransient(error, 'DeleteItem');
    }
  }
}
