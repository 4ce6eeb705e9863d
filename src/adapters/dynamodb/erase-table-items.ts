import { BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { rethrowTransient } from './dynamodb-errors.js';
import { resendUnprocessed } from './resend-unprocessed.js';

/** BatchWriteItem takes at most 25 requests per call. */
const MAX_REQUESTS_PER_CALL = 25;

type Key = Record<string, unknown>;

export interface BatchDeleteItemsOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  keys: readonly Key[];
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Deletes items by key with `BatchWriteItem` calls of up to 25 requests; the requests
 * DynamoDB returns unprocessed are sent again with backoff, and when they stay unprocessed
 * the store is as good as unavailable. Deleting an absent item is no error.
 */
export const batchDeleteItems = async (options: BatchDeleteItemsOptions): Promise<void> => {
  const { client, tableName } = options;
  await resendUnprocessed<Key>({
    operation: 'BatchWriteItem',
    requests: options.keys,
    perCall: MAX_REQUESTS_PER_CALL,
    send: async (keys) => {
      const answer = await client.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: keys.map((Key) => ({ DeleteRequest: { Key } })) },
        }),
      );
      return (answer.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key ? [request.DeleteRequest.Key] : [],
      );
    },
    initialDelayMs: 50,
    maxDelayMs: 2000,
    maxAttempts: 10,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
};

export interface EraseTableItemsOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The table's key attributes: what a scan reads and a delete names. */
  keyNames: readonly string[];
  /** Items a scan page evaluates (DynamoDB's 1 MB page when absent). */
  pageLimit?: number;
  /** After each page is deleted: the items deleted so far. */
  onProgress?: (deleted: number) => void;
}

/**
 * Deletes every item of a table, page by page: a scan reading only the keys, then batch
 * deletes of the page, before the next page is read. Stopped at any point, it resumes by
 * running again: the next scan finds only what is left. Answers how many items it deleted.
 */
export const eraseTableItems = async (options: EraseTableItemsOptions): Promise<number> => {
  const { client, tableName, keyNames } = options;
  const names = Object.fromEntries(keyNames.map((name, i) => [`#k${i}`, name]));
  let deleted = 0;
  let startKey: Key | undefined;
  do {
    const page = await client
      .send(
        new ScanCommand({
          TableName: tableName,
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
          ...(options.pageLimit ? { Limit: options.pageLimit } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      )
      .catch((error: unknown) => rethrowTransient(error, 'Scan'));
    const keys = page.Items ?? [];
    await batchDeleteItems({ client, tableName, keys });
    deleted += keys.length;
    options.onProgress?.(deleted);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
};
