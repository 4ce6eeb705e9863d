import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { Backoff } from '../core/retry.js';
import { idlePauseMs } from './stream/idle-pause.js';
import { IdleWaiters } from './stream/idle-waiters.js';
import { describeShards, ShardList } from './stream/shard-list.js';
import { createShardReader, type ShardReader } from './stream/shard-reader.js';
import type { ShardState } from './stream/shard-state.js';
import { StreamCheckpointFile } from './stream/stream-checkpoint-file.js';
import { StreamNotEnabledError, StreamPollerNotIdleError } from './stream/stream-poller-errors.js';
import { type StreamPollerOptions, streamPollerSettings } from './stream/stream-poller-options.js';
import { WakeablePauses } from './stream/wakeable-pauses.js';

export { toLambdaRecord } from './stream/lambda-stream-record.js';
export type { StreamHandler } from './stream/shard-reader.js';
export type { StreamPollerOptions } from './stream/stream-poller-options.js';

export interface StreamPoller {
  start(): Promise<void>;
  /** Stops polling once the batches in flight (and their checkpoint) are done. */
  stop(): Promise<void>;
  /**
   * Resolves once every open shard was read by a read begun after the call that found no
   * new record, no batch waits for a retry and the shard list was asked for after the call:
   * everything written before the call has been handled.
   */
  waitUntilIdle(timeoutMs?: number): Promise<void>;
  readonly streamArn: string | undefined;
}

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Reads a table's DynamoDB stream (DynamoDB Local's, or any other) and calls a Lambda
 * stream handler with the same events and the same retry rules as an event source mapping
 * with `ReportBatchItemFailures`: every open shard is read by its own loop, in order within
 * the shard, children only once their parent is read to its end, one batch per shard at a
 * time, and a failed batch retried from its first failed record, forever, with backoff.
 * Nothing is ever skipped; a poison record holds its shard, as it does on AWS.
 *
 * While idle it stays quiet: the shard list is kept and asked for again only when a shard
 * ends or every `shardRefreshIntervalMs`, and a shard that found nothing for `idleAfterMs`
 * pauses longer and longer, up to `maxIdlePollIntervalMs`: the first record after a quiet
 * spell waits at most that, records a second or less apart no longer than `pollIntervalMs`.
 */
export const createStreamPoller = (options: StreamPollerOptions): StreamPoller => {
  const {
    batchSize,
    idle: idlePolicy,
    retry: retryPolicy,
    shardRefreshIntervalMs,
    logger,
  } = streamPollerSettings(options);
  const { streams } = options;
  const checkpointFile = options.checkpointFile
    ? new StreamCheckpointFile(options.checkpointFile)
    : undefined;

  let streamArn: string | undefined;
  let running = false;
  let shards = new ShardList();
  let reader: ShardReader | undefined;
  const loops = new Map<string, Promise<void>>();
  let refreshLoop: Promise<void> | undefined;
  let refreshRequested = false;
  /** Epoch in which the latest successful listing began; -1 while one is owed. */
  let listedSince = -1;
  const waiters = new IdleWaiters();
  const idlePauses = new WakeablePauses();
  const otherPauses = new WakeablePauses();
  const refreshPause = new WakeablePauses();

  /** Releases the waiters for whom the list and every shard being read were found quiet. */
  const settle = () => {
    if (!waiters.pending) return;
    let quietSince = listedSince;
    for (const shard of shards.ready()) quietSince = Math.min(quietSince, shard.quietSince);
    waiters.settle(quietSince);
  };

  const requestRefresh = () => {
    refreshRequested = true;
    refreshPause.wakeAll();
  };

  const readShard = async (shard: ShardState, shardReader: ShardReader): Promise<void> => {
    while (running && !shard.finished && !shard.removed) {
      const epoch = waiters.epoch;
      const outcome = await shardReader.read(shard);
      switch (outcome) {
        case 'delivered':
          shard.quietSince = -1;
          shard.emptyReads = 0;
          break;
        case 'empty': {
          shard.quietSince = epoch;
          shard.emptyReads++;
          settle();
          // A caller began waiting during this read: read again for it at once.
          if (waiters.epoch === epoch) {
            await idlePauses.sleep(idlePauseMs(idlePolicy, shard.emptyReads));
          }
          break;
        }
        case 'retry':
          shard.quietSince = -1;
          shard.emptyReads = 0;
          await otherPauses.sleep(shard.retryAt - Date.now());
          break;
        case 'ended':
          // Its children may be listed already; the listing finds any that are not.
          listedSince = -1;
          requestRefresh();
          startReadyShards();
          break;
        default: {
          const unknown: never = outcome;
          throw new Error(`Unknown read outcome ${String(unknown)}`);
        }
      }
    }
    loops.delete(shard.shardId);
  };

  const startReadyShards = () => {
    if (!running || !reader) return;
    for (const shard of shards.ready()) {
      if (!loops.has(shard.shardId)) loops.set(shard.shardId, readShard(shard, reader));
    }
  };

  const refreshShards = async (arn: string): Promise<void> => {
    const failures = new Backoff(retryPolicy);
    while (running) {
      refreshRequested = false;
      const epoch = waiters.epoch;
      try {
        const { added, removed } = shards.merge(await describeShards(streams, arn));
        failures.reset();
        if (added.length > 0 || removed.length > 0) {
          logger.debug('stream shards changed', {
            added: added.map((s) => s.shardId),
            removed: removed.map((s) => s.shardId),
          });
        }
        listedSince = epoch;
        startReadyShards();
        settle();
        if (!refreshRequested) await refreshPause.sleep(shardRefreshIntervalMs);
      } catch (error) {
        const delay = failures.nextDelay() ?? retryPolicy.maxDelayMs;
        logger.warn('describing the stream failed; retrying', {
          error: errorMessage(error),
          attempts: failures.attempts,
        });
        await otherPauses.sleep(delay);
      }
    }
  };

  return {
    get streamArn() {
      return streamArn;
    },
    async start() {
      if (running) return;
      const { Table } = await options.dynamodb.send(
        new DescribeTableCommand({ TableName: options.tableName }),
      );
      const arn = Table?.LatestStreamArn;
      if (!arn || !Table?.StreamSpecification?.StreamEnabled) {
        throw new StreamNotEnabledError(options.tableName);
      }
      streamArn = arn;
      const region = await options.dynamodb.config.region();
      shards = new ShardList();
      const saved = await checkpointFile?.read();
      if (saved && saved.streamArn !== arn) {
        // Sequence numbers belong to one stream: a recreated table starts from scratch.
        logger.warn('stream checkpoint is for another stream; starting from the oldest record', {
          checkpointStream: saved.streamArn,
          streamArn: arn,
        });
      } else if (saved) {
        shards.restore(saved);
      }
      const list = shards;
      reader = createShardReader({
        streams,
        streamArn: arn,
        region,
        handler: options.handler,
        batchSize,
        retry: retryPolicy,
        saveCheckpoint: async () => checkpointFile?.save(list.checkpoint(arn)),
        logger,
      });
      listedSince = -1;
      running = true;
      refreshLoop = refreshShards(arn);
    },
    async stop() {
      running = false;
      idlePauses.wakeAll();
      otherPauses.wakeAll();
      refreshPause.wakeAll();
      await refreshLoop;
      await Promise.all([...loops.values()]);
      refreshLoop = undefined;
    },
    waitUntilIdle(timeoutMs = 10_000) {
      if (!running) {
        return Promise.reject(new StreamPollerNotIdleError('The stream poller is not running'));
      }
      const idle = waiters.wait(timeoutMs);
      idlePauses.wakeAll();
      requestRefresh();
      return idle;
    },
  };
};
