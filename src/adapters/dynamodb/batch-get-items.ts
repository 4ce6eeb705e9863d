import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resendUnprocessed } from './resend-unprocessed.js';

/** BatchGetItem takes at most 100 keys per call. */
const MAX_KEYS_PER_CALL = 100;

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
  await resendUnprocessed<Record<string, unknown>>({
    operation: 'BatchGetItem',
    requests: unique.map((id) => ({ [keyName]: id })),
    perCall: MAX_KEYS_PER_CALL,
    send: async (keys) => {
      const answer = await client.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      for (const item of answer.Responses?.[tableName] ?? []) {
        found.set(String(item[keyName]), item);
      }
      return answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    },
    initialDelayMs: 20,
    maxDelayMs: 1000,
    maxAttempts: 8,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  return found;
};
