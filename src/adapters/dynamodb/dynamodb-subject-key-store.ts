import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredKey, SubjectKeyStore } from '../../core/data-keys.js';
import { rethrowTransient } from './dynamodb-errors.js';
import {
  dataKeyItemKey,
  putWrappedKeyIfAbsent,
  readWrappedKey,
  requireNonEmpty,
  requireWrappedKey,
  SUBJECT_ID_ATTRIBUTE,
  WRAPPED_KEY_ITEM_TYPE,
  type WrappedKeyTable,
} from './wrapped-key-items.js';

export interface DynamoDBSubjectKeyStoreOptions {
  client: DynamoDBDocumentClient;
  /** The event store table. */
  tableName: string;
  now?: () => Date;
}

/**
 * Each subject's wrapped data key, one item per subject in the event store table, in the
 * layout keys have always had (`wrapped-key-items.ts`), so a key stored before subjects had
 * types is found under its customer's id.
 */
export class DynamoDBSubjectKeyStore implements SubjectKeyStore {
  private readonly table: WrappedKeyTable;
  private readonly now: () => Date;

  constructor(options: DynamoDBSubjectKeyStoreOptions) {
    this.table = { client: options.client, tableName: options.tableName };
    this.now = options.now ?? (() => new Date());
  }

  async get(subjectId: string): Promise<Uint8Array | undefined> {
    requireNonEmpty('subjectId', subjectId);
    return readWrappedKey(this.table, dataKeyItemKey(subjectId));
  }

  async putIfAbsent(subjectId: string, wrapped: Uint8Array): Promise<StoredKey> {
    requireNonEmpty('subjectId', subjectId);
    requireWrappedKey(wrapped);
    return putWrappedKeyIfAbsent(this.table, {
      ...dataKeyItemKey(subjectId),
      itemType: WRAPPED_KEY_ITEM_TYPE.dataKey,
      [SUBJECT_ID_ATTRIBUTE]: subjectId,
      wrappedKey: wrapped,
      createdAt: this.now().toISOString(),
    });
  }

  async delete(subjectId: string): Promise<boolean> {
    requireNonEmpty('subjectId', subjectId);
    try {
      const { Attributes } = await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: dataKeyItemKey(subjectId),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes !== undefined;
    } catch (error) {
      return rethrowTransient(error, 'DeleteItem');
    }
  }
}
