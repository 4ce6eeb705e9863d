import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BranchKeyStore, StoredBranchKeyVersion } from '../../core/branch-keys.js';
import { cancellationReasons, rethrowTransient } from './dynamodb-errors.js';
import {
  branchKeyActiveItemKey,
  branchKeyVersionItemKey,
  type ItemKey,
  requireNonEmpty,
  requireWrappedKey,
  WRAPPED_KEY_ITEM_TYPE,
} from './wrapped-key-items.js';

export interface DynamoDBBranchKeyStoreOptions {
  client: DynamoDBDocumentClient;
  /** The event store table. */
  tableName: string;
  now?: () => Date;
}

/**
 * Branch key versions in the event store table (items in `wrapped-key-items.ts`): one item
 * per version, kept for as long as data keys wrapped under it may exist, and one `ACTIVE`
 * item naming the version new data keys are wrapped under.
 */
export class DynamoDBBranchKeyStore implements BranchKeyStore {
  private readonly now: () => Date;

  constructor(private readonly options: DynamoDBBranchKeyStoreOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async getActive(branchKeyId: string): Promise<StoredBranchKeyVersion | undefined> {
    requireNonEmpty('branchKeyId', branchKeyId);
    return this.read(branchKeyActiveItemKey(branchKeyId));
  }

  async getVersion(
    branchKeyId: string,
    version: string,
  ): Promise<StoredBranchKeyVersion | undefined> {
    requireNonEmpty('branchKeyId', branchKeyId);
    requireNonEmpty('version', version);
    return this.read(branchKeyVersionItemKey(branchKeyId, version));
  }

  /** One transaction: the new version's item, and the active item moved to it. */
  async activate(next: StoredBranchKeyVersion, previous: string | undefined): Promise<boolean> {
    requireNonEmpty('branchKeyId', next.branchKeyId);
    requireNonEmpty('version', next.version);
    requireWrappedKey(next.wrapped);
    const at = this.now().toISOString();
    const common = {
      branchKeyId: next.branchKeyId,
      branchKeyVersion: next.version,
      wrappedKey: next.wrapped,
    };
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.options.tableName,
                Item: {
                  ...branchKeyVersionItemKey(next.branchKeyId, next.version),
                  itemType: WRAPPED_KEY_ITEM_TYPE.branchKeyVersion,
                  ...common,
                  createdAt: at,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.options.tableName,
                Item: {
                  ...branchKeyActiveItemKey(next.branchKeyId),
                  itemType: WRAPPED_KEY_ITEM_TYPE.branchKeyActive,
                  ...common,
                  activatedAt: at,
                },
                ...(previous === undefined
                  ? { ConditionExpression: 'attribute_not_exists(PK)' }
                  : {
                      ConditionExpression: 'branchKeyVersion = :previous',
                      ExpressionAttributeValues: { ':previous': previous },
                    }),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) return false;
      return rethrowTransient(error, 'TransactWriteItems');
    }
  }

  /** Strongly consistent: a version activated a moment ago by another process is seen. */
  private async read(key: ItemKey): Promise<StoredBranchKeyVersion | undefined> {
    try {
      const { Item } = await this.options.client.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: key,
          ConsistentRead: true,
          ProjectionExpression: 'branchKeyId, branchKeyVersion, wrappedKey',
        }),
      );
      const { branchKeyId, branchKeyVersion, wrappedKey } = Item ?? {};
      if (
        typeof branchKeyId !== 'string' ||
        typeof branchKeyVersion !== 'string' ||
        !(wrappedKey instanceof Uint8Array)
      )
        return undefined;
      return { branchKeyId, version: branchKeyVersion, wrapped: wrappedKey };
    } catch (error) {
      return rethrowTransient(error, 'GetItem');
    }
  }
}
