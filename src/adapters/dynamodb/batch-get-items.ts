import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../core/errors.js';
import { retry } from '../../core/retry.js';
import { rethrowTransient } from './dynamodb-errors.js';

/** BatchGetItem takes at most 100 keys per call. */
const MAX_KEYS_PER_CALL = 100;

/**
 * DynamoDB left some keys unread (throttling, the 16 MB cap): they are asked for again,
 * and when they stay unread the store is as good as unavailable.
 */
class UnprocessedKeysError extends StoreUnavailableError {
  override readonly name = 'UnprocessedKeysError';
  constructor(readonly left: number) {
    super(`DynamoDB BatchGetItem left ${left} keys unprocessed`);
  }
}

export interface BatchGetItemsOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Name of the table's (single-attribute) partition key. */
  keyName: string;
  ids: readonly string[];
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Items by id with strongly consistent `BatchGetItem` calls of up to 100 keys. Keys
 * DynamoDB returns unprocessed are asked for again with backoff; an id with no item is
 * absent from the map.
 */
export const batchGetItems = async (
  options: BatchGetItemsOptions,
): Promise<Map<string, Record<string, unknown>>> => {
  const { client, tableName, keyName } = options;
  const found = new Map<string, Record<string, unknown>>();
  const unique = [...new Set(options.ids)];
  for (let start = 0; start < unique.length; start += MAX_KEYS_PER_CALL) {
    let keys: Record<string, unknown>[] = unique
      .slice(start, start + MAX_KEYS_PER_CALL)
      .map((id) => ({ [keyName]: id }));
    await retry(
      async () => {
        let answer: BatchGetCommandOutput;
        try {
          answer = await client.send(
            new BatchGetCommand({
              RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } },
            }),
          );
        } catch (error) {
          return rethrowTransient(error, 'BatchGetItem');
        }
        for (const item of answer.Responses?.[tableName] ?? []) {
          found.set(String(item[keyName]), item);
        }
        keys = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
        if (keys.length > 0) throw new UnprocessedKeysError(keys.length);
      },
      {
        initialDelayMs: 20,
        maxDelayMs: 1000,
        jitter: 'full',
        maxAttempts: 8,
        retryable: (error) => error instanceof UnprocessedKeysError,
        ...(options.sleep ? { sleep: options.sleep } : {}),
      },
    );
  }
  return found;
};
