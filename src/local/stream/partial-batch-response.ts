import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse } from 'aws-lambda';

/**
 * Index of the first record to retry, as Lambda reads a partial batch response: the lowest
 * reported sequence number; an identifier that names no record of the batch fails it all.
 * `records.length` when every record succeeded.
 */
export const firstFailedIndex = (
  records: _Record[],
  response: DynamoDBBatchResponse | undefined,
): number => {
  const failures = response?.batchItemFailures ?? [];
  let first = records.length;
  for (const failure of failures) {
    const index = records.findIndex((r) => r.dynamodb?.SequenceNumber === failure.itemIdentifier);
    if (index < 0) return 0;
    first = Math.min(first, index);
  }
  return first;
};
