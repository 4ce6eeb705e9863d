import {
  type _Record,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Logger } from '../../core/ports.js';
import { type BackoffPolicy, delayForAttempt } from '../../core/retry.js';
import { toLambdaRecord } from './lambda-stream-record.js';
import { firstFailedIndex } from './partial-batch-response.js';
import type { ShardState } from './shard-state.js';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
) => Promise<DynamoDBBatchResponse | undefined>;

/**
 * What one read of a shard came to: `delivered` (records handled, or the iterator renewed:
 * read again at once), `empty` (nothing new in an open shard), `retry` (failed: wait until
 * the shard's `retryAt`), `ended` (closed and read to its end).
 */
export type ReadOutcome = 'delivered' | 'empty' | 'retry' | 'ended';

export interface ShardReaderOptions {
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  streamArn: string;
  region: string;
  handler: StreamHandler;
  batchSize: number;
  /** Pause after each failure in a row; no attempt limit: a poison record holds its shard. */
  retry: Pick<BackoffPolicy, 'initialDelayMs' | 'maxDelayMs' | 'jitter'>;
  /** Saves the positions of every shard; called after a shard moved. */
  saveCheckpoint: () => Promise<void>;
  logger: Logger;
  now?: () => number;
}

const errorName = (error: unknown): string =>
  typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Reads shards one batch at a time with the rules of a Lambda event source mapping with
 * `ReportBatchItemFailures`: a failed batch is retried from its first failed record, with
 * backoff, forever. Nothing is ever skipped.
 */
export const createShardReader = (options: ShardReaderOptions) => {
  const { streams, streamArn, region, handler, batchSize, logger } = options;
  const now = options.now ?? Date.now;

  const scheduleRetry = (shard: ShardState): 'retry' => {
    shard.failures++;
    // The next iterator starts right after the checkpoint, i.e. at the first unhandled record.
    shard.iterator = undefined;
    shard.retryAt = now() + delayForAttempt(options.retry, shard.failures);
    return 'retry';
  };

  const shardIterator = async (shard: ShardState): Promise<string | undefined> => {
    const from = shard.sequenceNumber;
    try {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.shardId,
          ...(from
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: from }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      return ShardIterator;
    } catch (error) {
      if (from && errorName(error) === 'TrimmedDataAccessException') {
        logger.warn(
          'checkpoint is older than the stream retention; resuming at the oldest record',
          { shardId: shard.shardId, sequenceNumber: from },
        );
        shard.sequenceNumber = undefined;
        return shardIterator(shard);
      }
      throw error;
    }
  };

  const end = async (shard: ShardState): Promise<'ended'> => {
    shard.finished = true;
    shard.failures = 0;
    await options.saveCheckpoint();
    return 'ended';
  };

  const deliver = async (
    shard: ShardState,
    records: _Record[],
    nextIterator: string | undefined,
  ): Promise<ReadOutcome> => {
    const event: DynamoDBStreamEvent = {
      Records: records.map((record) => toLambdaRecord(record, streamArn, region)),
    };
    let failedAt: number;
    try {
      failedAt = firstFailedIndex(records, await handler(event));
    } catch (error) {
      logger.warn('stream handler threw; retrying the whole batch', {
        shardId: shard.shardId,
        attempts: shard.failures + 1,
        error: errorMessage(error),
      });
      failedAt = 0;
    }
    const lastHandled = records[failedAt - 1]?.dynamodb?.SequenceNumber;
    if (lastHandled) shard.sequenceNumber = lastHandled;
    if (failedAt === records.length) {
      shard.failures = 0;
      shard.iterator = nextIterator;
      if (!nextIterator) return end(shard);
      await options.saveCheckpoint();
      return 'delivered';
    }
    if (lastHandled) await options.saveCheckpoint();
    logger.warn('stream batch partly failed; retrying from the first failed record', {
      shardId: shard.shardId,
      sequenceNumber: records[failedAt]?.dynamodb?.SequenceNumber,
      attempts: shard.failures + 1,
    });
    return scheduleRetry(shard);
  };

  const readOnce = async (shard: ShardState): Promise<ReadOutcome> => {
    shard.iterator ??= await shardIterator(shard);
    if (!shard.iterator) return end(shard);
    let page: { Records?: _Record[]; NextShardIterator?: string };
    try {
      page = await streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }),
      );
    } catch (error) {
      const name = errorName(error);
      if (name === 'ExpiredIteratorException') {
        shard.iterator = undefined;
        return 'delivered';
      }
      if (name === 'TrimmedDataAccessException') {
        // DynamoDB Local now and then says so for a fresh iterator; a new one from the
        // checkpoint reads on without skipping anything.
        logger.debug('stream iterator reported trimmed data; re-reading from the checkpoint', {
          shardId: shard.shardId,
          sequenceNumber: shard.sequenceNumber,
        });
        return scheduleRetry(shard);
      }
      throw error;
    }
    const records = page.Records ?? [];
    if (records.length > 0) return deliver(shard, records, page.NextShardIterator);
    shard.iterator = page.NextShardIterator;
    shard.failures = 0;
    // A closed shard read to its end: its children may start.
    return page.NextShardIterator ? 'empty' : end(shard);
  };

  return {
    /** One read of `shard`; never throws: a failure schedules a retry. */
    async read(shard: ShardState): Promise<ReadOutcome> {
      try {
        return await readOnce(shard);
      } catch (error) {
        logger.warn('reading the stream failed; retrying', {
          shardId: shard.shardId,
          error: errorMessage(error),
        });
        return scheduleRetry(shard);
      }
    },
  };
};

export type ShardReader = ReturnType<typeof createShardReader>;
