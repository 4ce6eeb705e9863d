import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamFailureRecord } from '../../adapters/dynamodb/stream-failure-record.js';
import type { Logger } from '../../core/ports.js';
import type { StreamHandler } from './shard-reader.js';

export interface StreamFailureDestinationOptions {
  /** Attempts of one batch before it goes to the destination: 1 + Lambda's `retryAttempts`. */
  maxAttempts: number;
  /** Sends the failure record (an SQS queue on the emulator, as the stack's `SqsDlq`). */
  send(record: StreamFailureRecord): Promise<void>;
  /** Which shard holds a sequence number; Lambda's records do not say, its failure records do. */
  shardOf(streamArn: string, sequenceNumber: string): Promise<string | undefined>;
  logger: Logger;
  now?: () => Date;
}

const arrival = (record: DynamoDBRecord | undefined): string =>
  new Date((record?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();

/**
 * What the stack's event source mapping does with a batch that keeps failing: after
 * `maxAttempts`, a record naming the shard and sequence range goes to the on-failure
 * destination and the stream moves on. The local poller retries forever on its own, so the
 * runtime wraps the publisher with this to behave as on AWS.
 */
export const withStreamFailureDestination = (
  handler: StreamHandler,
  options: StreamFailureDestinationOptions,
): ((event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>) => {
  const now = options.now ?? (() => new Date());
  let failing: { sequenceNumber: string; attempts: number } | undefined;

  return async (event) => {
    let failedAt: string | undefined;
    let reason: string;
    try {
      const response = await handler(event);
      failedAt = response?.batchItemFailures?.[0]?.itemIdentifier;
      reason = 'BatchItemFailures';
      if (failedAt === undefined) {
        failing = undefined;
        return { batchItemFailures: [] };
      }
    } catch {
      failedAt = event.Records[0]?.dynamodb?.SequenceNumber;
      reason = 'FunctionError';
    }
    if (failedAt === undefined) return { batchItemFailures: [] };
    const attempts = failing?.sequenceNumber === failedAt ? failing.attempts + 1 : 1;
    failing = { sequenceNumber: failedAt, attempts };
    if (attempts < options.maxAttempts)
      return { batchItemFailures: [{ itemIdentifier: failedAt }] };

    // Given up: from the failed record to the end of the batch, as Lambda discards it.
    const from = event.Records.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt);
    const discarded = event.Records.slice(Math.max(from, 0));
    const first = discarded[0];
    const last = discarded.at(-1);
    const streamArn = first?.eventSourceARN ?? '';
    const record: StreamFailureRecord = {
      requestContext: {
        requestId: `local-${failedAt}`,
        functionArn: 'arn:aws:lambda:local:000000000000:function:publisher',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: reason },
      version: '1.0',
      timestamp: now().toISOString(),
      DDBStreamBatchInfo: {
        shardId: (await options.shardOf(streamArn, failedAt)) ?? 'unknown',
        startSequenceNumber: failedAt,
        endSequenceNumber: last?.dynamodb?.SequenceNumber ?? failedAt,
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: discarded.length,
        streamArn,
      },
    };
    await options.send(record);
    options.logger.error('stream batch sent to the failure destination', {
      startSequenceNumber: failedAt,
      batchSize: discarded.length,
      attempts,
    });
    failing = undefined;
    return { batchItemFailures: [] };
  };
};

/** The shard of a sequence number, from the stream's description. */
export const shardLookup = (streams: DynamoDBStreamsClient) => {
  return async (streamArn: string, sequenceNumber: string): Promise<string | undefined> => {
    const target = BigInt(sequenceNumber);
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(start ? { ExclusiveStartShardId: start } : {}),
        }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        const range = shard.SequenceNumberRange;
        if (!range?.StartingSequenceNumber) continue;
        const after = target >= BigInt(range.StartingSequenceNumber);
        const before =
          range.EndingSequenceNumber === undefined || target <= BigInt(range.EndingSequenceNumber);
        if (after && before) return shard.ShardId;
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return undefined;
  };
};
