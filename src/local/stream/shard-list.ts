import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { newShardState, type ShardState } from './shard-state.js';
import type { StreamCheckpoint } from './stream-checkpoint-file.js';

/** Every shard of a stream, all pages of `DescribeStream`. */
export const describeShards = async (
  streams: Pick<DynamoDBStreamsClient, 'send'>,
  streamArn: string,
): Promise<Shard[]> => {
  const all: Shard[] = [];
  let ExclusiveStartShardId: string | undefined;
  do {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId }),
    );
    all.push(...(StreamDescription?.Shards ?? []));
    ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
  } while (ExclusiveStartShardId);
  return all;
};

/**
 * The shards the poller follows, kept between listings: `DescribeStream` is asked only at
 * start, when a shard ends and now and then, so that an idle poller costs one `GetRecords`
 * per open shard and pause, not a listing per poll.
 */
export class ShardList {
  private readonly shards = new Map<string, ShardState>();

  /** Shards as a checkpoint left them; their parents are learnt from the next listing. */
  restore(checkpoint: StreamCheckpoint): void {
    this.shards.clear();
    for (const [shardId, saved] of Object.entries(checkpoint.shards)) {
      this.shards.set(
        shardId,
        newShardState(shardId, {
          sequenceNumber: saved.sequenceNumber,
          finished: saved.finished ?? false,
        }),
      );
    }
  }

  /**
   * Takes a fresh listing in: new shards are added, parents are learnt, and shards no longer
   * listed (past the stream's retention, gone for good) are marked removed and forgotten.
   */
  merge(listed: Shard[]): { added: ShardState[]; removed: ShardState[] } {
    const listedIds = new Set<string>();
    const added: ShardState[] = [];
    for (const shard of listed) {
      if (!shard.ShardId) continue;
      listedIds.add(shard.ShardId);
      const known = this.shards.get(shard.ShardId);
      if (known) {
        known.parentShardId = shard.ParentShardId;
        continue;
      }
      const state = newShardState(shard.ShardId, { parentShardId: shard.ParentShardId });
      this.shards.set(shard.ShardId, state);
      added.push(state);
    }
    const removed: ShardState[] = [];
    for (const [id, state] of this.shards) {
      if (listedIds.has(id)) continue;
      state.removed = true;
      this.shards.delete(id);
      removed.push(state);
    }
    return { added, removed };
  }

  /** Open shards whose parent is read to its end (or unknown): the ones to read now. */
  ready(): ShardState[] {
    return [...this.shards.values()].filter((shard) => {
      if (shard.finished) return false;
      const parent = shard.parentShardId ? this.shards.get(shard.parentShardId) : undefined;
      return !parent || parent.finished;
    });
  }

  /** The positions worth keeping: shards with a handled record or read to their end. */
  checkpoint(streamArn: string): StreamCheckpoint {
    const checkpoint: StreamCheckpoint = { streamArn, shards: {} };
    for (const shard of this.shards.values()) {
      if (shard.sequenceNumber === undefined && !shard.finished) continue;
      checkpoint.shards[shard.shardId] = {
        ...(shard.sequenceNumber !== undefined ? { sequenceNumber: shard.sequenceNumber } : {}),
        ...(shard.finished ? { finished: true } : {}),
      };
    }
    return checkpoint;
  }
}
