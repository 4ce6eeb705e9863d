import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { type Logger, silentLogger } from '../../core/ports.js';
import type { BackoffPolicy } from '../../core/retry.js';
import type { IdlePausePolicy } from './idle-pause.js';
import type { StreamHandler } from './shard-reader.js';
import { InvalidStreamPollerOptionError } from './stream-poller-errors.js';

export interface StreamPollerOptions {
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  tableName: string;
  handler: StreamHandler;
  /** Records per invocation, 1 to 1000 (GetRecords' limit). */
  batchSize?: number;
  /** Where the last processed sequence number per shard is kept; none when absent. */
  checkpointFile?: string;
  /**
   * Pause after a read that found nothing new (250 ms). Once the shard found nothing for
   * `idleAfterMs`, it doubles with every further empty read, up to `maxIdlePollIntervalMs`,
   * and is back to this after a record.
   */
  pollIntervalMs?: number;
  /** Longest pause of an idle shard (1000 ms, or `pollIntervalMs` if longer). */
  maxIdlePollIntervalMs?: number;
  /** How long a shard reads at `pollIntervalMs` after its last record before pausing longer (1000 ms). */
  idleAfterMs?: number;
  /** How often the shard list is asked for anew when no shard ended (5000 ms). */
  shardRefreshIntervalMs?: number;
  /** First retry delay after a failed batch; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  logger?: Logger;
}

/** The settings the poller runs with: defaults filled in, ranges checked. */
export interface StreamPollerSettings {
  batchSize: number;
  /** Pauses of an idle shard, growing with its empty reads in a row. */
  idle: IdlePausePolicy;
  /** Pauses before retrying a failed batch (or listing), growing with failures in a row. */
  retry: BackoffPolicy;
  shardRefreshIntervalMs: number;
  logger: Logger;
}

const positive = (field: string, value: number | undefined, fallback: number): number => {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0) {
    throw new InvalidStreamPollerOptionError(field, `must be a positive number, not ${chosen}`);
  }
  return chosen;
};

export const streamPollerSettings = (options: StreamPollerOptions): StreamPollerSettings => {
  const pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs, 250);
  const maxIdlePollIntervalMs = positive(
    'maxIdlePollIntervalMs',
    options.maxIdlePollIntervalMs,
    Math.max(1000, pollIntervalMs),
  );
  if (maxIdlePollIntervalMs < pollIntervalMs) {
    throw new InvalidStreamPollerOptionError(
      'maxIdlePollIntervalMs',
      `must be at least pollIntervalMs (${pollIntervalMs}), not ${maxIdlePollIntervalMs}`,
    );
  }
  return {
    batchSize: Math.min(Math.max(options.batchSize ?? 100, 1), 1000),
    idle: {
      initialDelayMs: pollIntervalMs,
      maxDelayMs: maxIdlePollIntervalMs,
      jitter: 'none',
      steadyEmptyReads: Math.max(
        Math.round(positive('idleAfterMs', options.idleAfterMs, 1000) / pollIntervalMs),
        1,
      ),
    },
    // One reader per shard: there is nobody to spread out from, so no jitter.
    retry: {
      initialDelayMs: positive('retryDelayMs', options.retryDelayMs, 100),
      maxDelayMs: positive('maxRetryDelayMs', options.maxRetryDelayMs, 5000),
      jitter: 'none',
    },
    shardRefreshIntervalMs: positive(
      'shardRefreshIntervalMs',
      options.shardRefreshIntervalMs,
      5000,
    ),
    logger: options.logger ?? silentLogger,
  };
};
