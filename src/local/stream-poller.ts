import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as LambdaAttributeValue,
} from 'aws-lambda';
import { type Logger, silentLogger } from '../core/ports.js';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  tableName: string;
  handler: StreamHandler;
  /** Records per invocation, 1 to 1000 (GetRecords' limit). */
  batchSize?: number;
  /** Where the last processed sequence number per shard is kept; none when absent. */
  checkpointFile?: string;
  /** Pause between polls when the stream has nothing new. */
  pollIntervalMs?: number;
  /** First retry delay after a failed batch; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  logger?: Logger;
}

export interface StreamPoller {
  start(): Promise<void>;
  /** Stops polling once the batch in flight (and its checkpoint) is done. */
  stop(): Promise<void>;
  /**
   * Resolves after a full pass, begun after the call, found no new record and no batch
   * waiting for a retry: everything written before the call has been handled.
   */
  waitUntilIdle(timeoutMs?: number): Promise<void>;
  readonly streamArn: string | undefined;
}

interface Checkpoint {
  streamArn: string;
  shards: Record<string, { sequenceNumber?: string; finished?: boolean }>;
}

interface ShardState {
  shardId: string;
  parentShardId: string | undefined;
  iterator: string | undefined;
  /** Last sequence number handled successfully. */
  sequenceNumber: string | undefined;
  finished: boolean;
  attempts: number;
  retryAt: number;
}

type PollOutcome = 'progress' | 'empty' | 'retry';

const errorName = (error: unknown): string =>
  typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** The SDK decodes binary to bytes; Lambda hands it to the function as base64 text. */
const toLambdaValue = (value: StreamAttributeValue): LambdaAttributeValue => {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  // DynamoDB Local's stream writes an empty map as `{}` where DynamoDB writes `{"M":{}}`.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new Error(`Unsupported attribute value: ${JSON.stringify(Object.keys(value))}`);
};

const toLambdaImage = (
  image: Record<string, StreamAttributeValue>,
): Record<string, LambdaAttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));

/** A stream record as the Lambda event source mapping delivers it. */
export const toLambdaRecord = (
  record: _Record,
  streamArn: string,
  region: string,
): DynamoDBRecord => {
  const data = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...(data.ApproximateCreationDateTime
        ? {
            ApproximateCreationDateTime: Math.floor(
              data.ApproximateCreationDateTime.getTime() / 1000,
            ),
          }
        : {}),
      ...(data.Keys ? { Keys: toLambdaImage(data.Keys) } : {}),
      ...(data.NewImage ? { NewImage: toLambdaImage(data.NewImage) } : {}),
      ...(data.OldImage ? { OldImage: toLambdaImage(data.OldImage) } : {}),
      SequenceNumber: data.SequenceNumber,
      SizeBytes: data.SizeBytes,
      StreamViewType: data.StreamViewType,
    },
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
    eventSourceARN: streamArn,
  };
};

/**
 * Index of the first record to retry, as Lambda reads a partial batch response: the lowest
 * reported sequence number; an identifier that names no record of the batch fails it all.
 */
const firstFailure = (records: _Record[], response: DynamoDBBatchResponse | undefined) => {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) return records.length;
  let first = records.length;
  for (const failure of failures) {
    const index = records.findIndex((r) => r.dynamodb?.SequenceNumber === failure.itemIdentifier);
    if (index < 0) return 0;
    first = Math.min(first, index);
  }
  return first;
};

/**
 * Reads a table's DynamoDB stream (DynamoDB Local's, or any other) and calls a Lambda
 * stream handler with the same events and the same retry rules as an event source mapping
 * with `ReportBatchItemFailures`: shards in parent-before-child order, one batch per shard
 * at a time, and a failed batch retried from its first failed record, forever, with
 * backoff. Nothing is ever skipped; a poison record holds its shard, as it does on AWS.
 */
export const createStreamPoller = (options: StreamPollerOptions): StreamPoller => {
  const batchSize = Math.min(Math.max(options.batchSize ?? 100, 1), 1000);
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
  const logger = options.logger ?? silentLogger;
  const { streams, handler } = options;

  let streamArn: string | undefined;
  let region = 'us-east-1';
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let passNumber = 0;
  const shards = new Map<string, ShardState>();
  let waiters: { after: number; resolve: () => void }[] = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const loadCheckpoint = async (arn: string): Promise<void> => {
    if (!options.checkpointFile) return;
    let saved: Checkpoint;
    try {
      saved = JSON.parse(await readFile(options.checkpointFile, 'utf8')) as Checkpoint;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`Unreadable stream checkpoint ${options.checkpointFile}`, { cause: error });
    }
    if (saved.streamArn !== arn) {
      // Sequence numbers belong to one stream: a recreated table starts from scratch.
      logger.warn('stream checkpoint is for another stream; starting from the oldest record', {
        checkpointStream: saved.streamArn,
        streamArn: arn,
      });
      return;
    }
    for (const [shardId, shard] of Object.entries(saved.shards)) {
      shards.set(shardId, {
        shardId,
        parentShardId: undefined,
        iterator: undefined,
        sequenceNumber: shard.sequenceNumber,
        finished: shard.finished ?? false,
        attempts: 0,
        retryAt: 0,
      });
    }
  };

  const saveCheckpoint = async (): Promise<void> => {
    if (!options.checkpointFile || !streamArn) return;
    const data: Checkpoint = { streamArn, shards: {} };
    for (const shard of shards.values()) {
      if (shard.sequenceNumber === undefined && !shard.finished) continue;
      data.shards[shard.shardId] = {
        ...(shard.sequenceNumber !== undefined ? { sequenceNumber: shard.sequenceNumber } : {}),
        ...(shard.finished ? { finished: true } : {}),
      };
    }
    // Write then rename, so a crash never leaves half a checkpoint behind.
    const temporary = `${options.checkpointFile}.${process.pid}.tmp`;
    await mkdir(dirname(options.checkpointFile), { recursive: true });
    await writeFile(temporary, JSON.stringify(data, null, 2));
    await rename(temporary, options.checkpointFile);
  };

  const describeShards = async (arn: string): Promise<Shard[]> => {
    const all: Shard[] = [];
    let ExclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId }),
      );
      all.push(...(StreamDescription?.Shards ?? []));
      ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
    return all;
  };

  const refreshShards = async (arn: string): Promise<boolean> => {
    const listed = await describeShards(arn);
    const listedIds = new Set<string>();
    let changed = false;
    for (const shard of listed) {
      if (!shard.ShardId) continue;
      listedIds.add(shard.ShardId);
      const known = shards.get(shard.ShardId);
      if (known) {
        known.parentShardId = shard.ParentShardId;
      } else {
        shards.set(shard.ShardId, {
          shardId: shard.ShardId,
          parentShardId: shard.ParentShardId,
          iterator: undefined,
          sequenceNumber: undefined,
          finished: false,
          attempts: 0,
          retryAt: 0,
        });
      }
    }
    // Shards past the stream's retention are gone for good; forget them.
    for (const id of [...shards.keys()]) {
      if (!listedIds.has(id)) {
        shards.delete(id);
        changed = true;
      }
    }
    return changed;
  };

  const shardIterator = async (arn: string, shard: ShardState): Promise<string | undefined> => {
    const from = shard.sequenceNumber;
    try {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
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
          {
            shardId: shard.shardId,
            sequenceNumber: from,
          },
        );
        shard.sequenceNumber = undefined;
        return shardIterator(arn, shard);
      }
      throw error;
    }
  };

  const scheduleRetry = (shard: ShardState) => {
    shard.attempts++;
    shard.iterator = undefined;
    shard.retryAt =
      Date.now() + Math.min(retryDelayMs * 2 ** (shard.attempts - 1), maxRetryDelayMs);
  };

  const pollShard = async (arn: string, shard: ShardState): Promise<PollOutcome> => {
    shard.iterator ??= await shardIterator(arn, shard);
    if (!shard.iterator) {
      shard.finished = true;
      await saveCheckpoint();
      return 'progress';
    }
    let page: { Records?: _Record[]; NextShardIterator?: string };
    try {
      page = await streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }),
      );
    } catch (error) {
      const name = errorName(error);
      if (name === 'ExpiredIteratorException') {
        shard.iterator = undefined;
        return 'progress';
      }
      if (name === 'TrimmedDataAccessException') {
        // DynamoDB Local now and then says so for a fresh iterator; a new one from the
        // checkpoint reads on without skipping anything.
        logger.debug('stream iterator reported trimmed data; re-reading from the checkpoint', {
          shardId: shard.shardId,
          sequenceNumber: shard.sequenceNumber,
        });
        shard.iterator = undefined;
        shard.attempts++;
        shard.retryAt =
          Date.now() + Math.min(retryDelayMs * 2 ** (shard.attempts - 1), maxRetryDelayMs);
        return 'retry';
      }
      throw error;
    }
    const records = page.Records ?? [];
    if (records.length === 0) {
      shard.iterator = page.NextShardIterator;
      if (page.NextShardIterator) return 'empty';
      // A closed shard read to its end: its children may start.
      shard.finished = true;
      await saveCheckpoint();
      return 'progress';
    }

    const event: DynamoDBStreamEvent = {
      Records: records.map((record) => toLambdaRecord(record, arn, region)),
    };
    let failedAt: number;
    try {
      failedAt = firstFailure(records, await handler(event));
    } catch (error) {
      logger.warn('stream handler threw; retrying the whole batch', {
        shardId: shard.shardId,
        attempts: shard.attempts + 1,
        error: errorMessage(error),
      });
      failedAt = 0;
    }
    const lastHandled = records[failedAt - 1]?.dynamodb?.SequenceNumber;
    if (lastHandled) shard.sequenceNumber = lastHandled;
    if (failedAt === records.length) {
      shard.attempts = 0;
      shard.iterator = page.NextShardIterator;
      if (!page.NextShardIterator) shard.finished = true;
      await saveCheckpoint();
      return 'progress';
    }
    if (lastHandled) await saveCheckpoint();
    logger.warn('stream batch partly failed; retrying from the first failed record', {
      shardId: shard.shardId,
      sequenceNumber: records[failedAt]?.dynamodb?.SequenceNumber,
      attempts: shard.attempts + 1,
    });
    // The next iterator starts right after the checkpoint, i.e. at the first failed record.
    scheduleRetry(shard);
    return 'retry';
  };

  const isReady = (shard: ShardState): boolean => {
    if (shard.finished) return false;
    const parent = shard.parentShardId ? shards.get(shard.parentShardId) : undefined;
    return !parent || parent.finished;
  };

  const pass = async (arn: string): Promise<{ idle: boolean; nextWakeAt: number }> => {
    let idle = !(await refreshShards(arn));
    let nextWakeAt = Date.now() + pollIntervalMs;
    for (const shard of [...shards.values()]) {
      if (!running) return { idle: false, nextWakeAt };
      if (!isReady(shard)) continue;
      if (shard.retryAt > Date.now()) {
        idle = false;
        nextWakeAt = Math.min(nextWakeAt, shard.retryAt);
        continue;
      }
      try {
        const outcome = await pollShard(arn, shard);
        if (outcome !== 'empty') idle = false;
        if (outcome === 'progress') nextWakeAt = Date.now();
        if (outcome === 'retry') nextWakeAt = Math.min(nextWakeAt, shard.retryAt);
      } catch (error) {
        idle = false;
        logger.warn('reading the stream failed; retrying', {
          shardId: shard.shardId,
          error: errorMessage(error),
        });
        scheduleRetry(shard);
        nextWakeAt = Math.min(nextWakeAt, shard.retryAt);
      }
    }
    return { idle, nextWakeAt };
  };

  const run = async (arn: string): Promise<void> => {
    while (running) {
      const current = ++passNumber;
      let outcome = { idle: false, nextWakeAt: Date.now() + pollIntervalMs };
      try {
        outcome = await pass(arn);
      } catch (error) {
        logger.warn('describing the stream failed; retrying', { error: errorMessage(error) });
      }
      if (outcome.idle) {
        const ready = waiters.filter((w) => w.after < current);
        waiters = waiters.filter((w) => w.after >= current);
        for (const waiter of ready) waiter.resolve();
      }
      const delay = outcome.nextWakeAt - Date.now();
      if (running && delay > 0) await sleep(delay);
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
        throw new Error(`Table ${options.tableName} has no stream enabled`);
      }
      streamArn = arn;
      region = await options.dynamodb.config.region();
      shards.clear();
      await loadCheckpoint(arn);
      running = true;
      loop = run(arn);
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = undefined;
    },
    waitUntilIdle(timeoutMs = 10_000) {
      if (!running) return Promise.reject(new Error('The stream poller is not running'));
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          after: passNumber,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`The stream poller was not idle within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
        wake?.();
      });
    },
  };
};
