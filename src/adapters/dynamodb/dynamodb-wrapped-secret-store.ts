import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredKey, WrappedSecretStore } from '../../core/data-keys.js';
import {
  putWrappedKeyIfAbsent,
  readWrappedKey,
  requireNonEmpty,
  requireWrappedKey,
  secretItemKey,
  WRAPPED_KEY_ITEM_TYPE,
  type WrappedKeyTable,
} from './wrapped-key-items.js';

export interface DynamoDBWrappedSecretStoreOptions {
  client: DynamoDBDocumentClient;
  /** The event store table. */
  tableName: string;
  now?: () => Date;
}

/** Process-wide secrets (the email claims' HMAC key), stored only wrapped, one item each. */
export class DynamoDBWrappedSecretStore implements WrappedSecretStore {
  private readonly table: WrappedKeyTable;
  private readonly now: () => Date;

  constructor(options: DynamoDBWrappedSecretStoreOptions) {
    this.table = { client: options.client, tableName: options.tableName };
    this.now = options.now ?? (() => new Date());
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    requireNonEmpty('name', name);
    return readWrappedKey(this.table, secretItemKey(name));
  }

  async putIfAbsent(name: string, wrapped: Uint8Array): Promise<StoredKey> {
    requireNonEmpty('name', name);
    requireWrappedKey(wrapped);
    return putWrappedKeyIfAbsent(this.table, {
      ...secretItemKey(name),
      itemType: WRAPPED_KEY_ITEM_TYPE.secret,
      name,
      wrappedKey: wrapped,
      createdAt: this.now().toISOString(),
    });
  }
}
