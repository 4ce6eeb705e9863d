import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand as LowLevelScanCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { rethrowTransient } from './dynamodb-errors.js';

/**
 * A marker item in the event store table that says it holds no plaintext email claims
 * (`UNIQUE#email#<address>`), so a claim need not check one:
 *
 * | PK                              | SK       | itemType | reason                            |
 * |---------------------------------|----------|----------|-----------------------------------|
 * | `MARKER#hashed-email-claims-only` | `MARKER` | `MARKER` | `created-empty` or `encrypt-legacy` |
 *
 * It is written when the table is created empty (local table creation; the stack's custom
 * resource when it finds the table empty) and by `npm run encrypt-legacy` once it has
 * replaced every plaintext claim. A table from before (upgraded) has none, and keeps checking.
 */
export const HASHED_CLAIMS_ONLY_KEY = { PK: 'MARKER#hashed-email-claims-only', SK: 'MARKER' };
export const MARKER_ITEM_TYPE = 'MARKER';

export type MarkerReason = 'created-empty' | 'encrypt-legacy';

export const hashedClaimsOnlyMarker = (reason: MarkerReason, at: Date = new Date()) => ({
  ...HASHED_CLAIMS_ONLY_KEY,
  itemType: MARKER_ITEM_TYPE,
  reason,
  markedAt: at.toISOString(),
});

/** Whether the table carries the marker (one strongly consistent read). */
export const hasHashedClaimsOnlyMarker = async (
  client: DynamoDBDocumentClient,
  tableName: string,
): Promise<boolean> => {
  try {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: HASHED_CLAIMS_ONLY_KEY,
        ConsistentRead: true,
        ProjectionExpression: 'PK',
      }),
    );
    return Item !== undefined;
  } catch (error) {
    return rethrowTransient(error, 'GetItem');
  }
};

/** Writes the marker (again: the latest reason wins, harmlessly). */
export const writeHashedClaimsOnlyMarker = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  reason: MarkerReason,
  at?: Date,
): Promise<void> => {
  try {
    await client.send(
      new PutCommand({ TableName: tableName, Item: hashedClaimsOnlyMarker(reason, at) }),
    );
  } catch (error) {
    rethrowTransient(error, 'PutItem');
  }
};

/**
 * Marks a table that holds no item at all (a stack deployed fresh), and leaves any other
 * alone: an upgraded table keeps checking until `encrypt-legacy` marks it. Returns whether
 * it marked the table. Safe to run again: a table holding only the marker is marked again.
 * Takes the plain client, as the stack's custom resource has it.
 */
export const markIfEmpty = async (
  client: DynamoDBClient,
  tableName: string,
  at?: Date,
): Promise<boolean> => {
  const { Items } = await client.send(new LowLevelScanCommand({ TableName: tableName, Limit: 2 }));
  const others = (Items ?? []).filter((item) => item.PK?.S !== HASHED_CLAIMS_ONLY_KEY.PK);
  if (others.length > 0) return false;
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: marshall(hashedClaimsOnlyMarker('created-empty', at)),
    }),
  );
  return true;
};
