import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredKey } from '../../core/data-keys.js';
import { ValidationError } from '../../core/errors.js';
import { isConditionalCheckFailed, rethrowTransient } from './dynamodb-errors.js';

/**
 * Wrapped keys live in the event store table beside the events (see `event-store-keys.ts`):
 *
 * | item                       | PK                     | SK                  | itemType             |
 * |----------------------------|------------------------|---------------------|----------------------|
 * | subject data key           | `KEY#<subjectId>`      | `KEY`               | `DATA_KEY`           |
 * | process-wide secret        | `SECRET#<name>`        | `SECRET`            | `WRAPPED_SECRET`     |
 * | branch key version         | `BRANCH_KEY#<id>`      | `VERSION#<version>` | `BRANCH_KEY_VERSION` |
 * | branch key's active version| `BRANCH_KEY#<id>`      | `ACTIVE`            | `BRANCH_KEY_ACTIVE`  |
 *
 * Only `itemType = 'EVENT'` items are published from the stream, and the scans for
 * aggregates filter on it too, so these items stay out of the pipeline. They hold only
 * ciphertext (`wrappedKey`, binary): a data key wrapped by KMS (the original layout) or by a
 * branch key version; a branch key version or secret wrapped by KMS. The active item holds
 * its version's id and a copy of its wrapped material, so finding and unwrapping the active
 * version is one read.
 */
export const WRAPPED_KEY_ITEM_TYPE = {
  dataKey: 'DATA_KEY',
  secret: 'WRAPPED_SECRET',
  branchKeyVersion: 'BRANCH_KEY_VERSION',
  branchKeyActive: 'BRANCH_KEY_ACTIVE',
} as const;

export interface ItemKey {
  PK: string;
  SK: string;
}

export const dataKeyItemKey = (subjectId: string): ItemKey => ({
  PK: `KEY#${subjectId}`,
  SK: 'KEY',
});
/**
 * The data key item's copy of its subject id, under the name it had when every subject was
 * a customer: one layout for every key item, old and new.
 */
export const SUBJECT_ID_ATTRIBUTE = 'customerId';
export const secretItemKey = (name: string): ItemKey => ({ PK: `SECRET#${name}`, SK: 'SECRET' });
/** The prefix of every branch key item's PK: what a rotation role's `LeadingKeys` names. */
export const BRANCH_KEY_PK_PREFIX = 'BRANCH_KEY#';
export const branchKeyVersionItemKey = (branchKeyId: string, version: string): ItemKey => ({
  PK: `${BRANCH_KEY_PK_PREFIX}${branchKeyId}`,
  SK: `VERSION#${version}`,
});
export const branchKeyActiveItemKey = (branchKeyId: string): ItemKey => ({
  PK: `${BRANCH_KEY_PK_PREFIX}${branchKeyId}`,
  SK: 'ACTIVE',
});

export const requireNonEmpty = (field: string, value: unknown): void => {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ValidationError(`${field} must be a non-empty string`, {
      details: [{ field, message: 'must be a non-empty string' }],
    });
};

export const requireWrappedKey = (value: unknown): void => {
  if (!(value instanceof Uint8Array) || value.length === 0)
    throw new ValidationError('wrappedKey must be non-empty bytes', {
      details: [{ field: 'wrappedKey', message: 'must be non-empty bytes' }],
    });
};

export interface WrappedKeyTable {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const wrappedKeyOf = (item: Record<string, unknown> | undefined): Uint8Array | undefined => {
  const value = item?.wrappedKey;
  return value instanceof Uint8Array ? value : undefined;
};

/** Strongly consistent, so a key written a moment ago by another process is seen. */
export const readWrappedKey = async (
  table: WrappedKeyTable,
  key: ItemKey,
): Promise<Uint8Array | undefined> => {
  try {
    const { Item } = await table.client.send(
      new GetCommand({
        TableName: table.tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: 'wrappedKey',
      }),
    );
    return wrappedKeyOf(Item);
  } catch (error) {
    return rethrowTransient(error, 'GetItem');
  }
};

/** A conditional put: of racing writers exactly one stores its key, and all get that one. */
export const putWrappedKeyIfAbsent = async (
  table: WrappedKeyTable,
  item: ItemKey & { itemType: string; wrappedKey: Uint8Array } & Record<string, unknown>,
): Promise<StoredKey> => {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(PK)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { wrapped: item.wrappedKey, created: true };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) return rethrowTransient(error, 'PutItem');
    const returned = wrappedKeyOf((error as { Item?: Record<string, unknown> }).Item);
    const winner = returned ?? (await readWrappedKey(table, { PK: item.PK, SK: item.SK }));
    // Deleted between the failed put and the read: nothing to converge on, so try again.
    if (!winner) return putWrappedKeyIfAbsent(table, item);
    return { wrapped: winner, created: false };
  }
};
