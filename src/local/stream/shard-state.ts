/** What the poller knows of one shard of the stream. */
export interface ShardState {
  readonly shardId: string;
  parentShardId: string | undefined;
  /** Where the next `GetRecords` reads; none until one is asked for, or after a failure. */
  iterator: string | undefined;
  /** Last sequence number handled successfully: the checkpoint. */
  sequenceNumber: string | undefined;
  /** Closed and read to its end: its children may start. */
  finished: boolean;
  /** Gone from the stream (past its retention): its reader stops. */
  removed: boolean;
  /** Failed attempts in a row, for the retry backoff. */
  failures: number;
  /** When the batch that failed may be tried again (epoch milliseconds). */
  retryAt: number;
  /** Reads in a row that found nothing, for the idle pause. */
  emptyReads: number;
  /**
   * Idle epoch at which the latest read began, when it found nothing new; -1 after a read
   * that delivered, failed or moved the iterator (see `IdleWaiters`).
   */
  quietSince: number;
}

export const newShardState = (
  shardId: string,
  from: Partial<Pick<ShardState, 'parentShardId' | 'sequenceNumber' | 'finished'>> = {},
): ShardState => ({
  shardId,
  parentShardId: from.parentShardId,
  iterator: undefined,
  sequenceNumber: from.sequenceNumber,
  finished: from.finished ?? false,
  removed: false,
  failures: 0,
  retryAt: 0,
  emptyReads: 0,
  quietSince: -1,
});
