import { shardOf } from '../../core/stable-hash.js';

/**
 * Single-table layout of the event store:
 *
 * | item            | PK                  | SK                 |
 * |-----------------|---------------------|--------------------|
 * | event           | `CUSTOMER#<id>`     | `EVENT#<version>`  | version zero-padded to 10 digits, so keys sort numerically
 * | snapshot        | `CUSTOMER#<id>`     | `SNAPSHOT`         | sorts after every event of its stream
 * | command record  | `COMMAND#<id>`      | `COMMAND`          | expires through TTL
 * | unique claim    | `UNIQUE#<scope>#<v>`| `UNIQUE`           |
 *
 * A stream's prefix is its type's (`CUSTOMER` for `Customer`). Event, snapshot and command
 * items also hold the type as `aggregateType`; those written before it travelled hold none
 * and are Customers'.
 */
export const ITEM_TYPE = {
  event: 'EVENT',
  snapshot: 'SNAPSHOT',
  command: 'COMMAND',
  claim: 'UNIQUE',
} as const;

const VERSION_DIGITS = 10;

export const streamKey = (prefix: string, aggregateId: string) => `${prefix}#${aggregateId}`;
export const eventSortKey = (version: number) =>
  `EVENT#${version.toString().padStart(VERSION_DIGITS, '0')}`;
export const SNAPSHOT_SORT_KEY = 'SNAPSHOT';
export const commandKey = (commandId: string) => ({ PK: `COMMAND#${commandId}`, SK: 'COMMAND' });
export const claimKey = (scope: string, value: string) => ({
  PK: `UNIQUE#${scope}#${value}`,
  SK: 'UNIQUE',
});
export const MAX_VERSION = 10 ** VERSION_DIGITS - 1;

/**
 * The change index: a sparse GSI over event items, partitioned by the hour the event was
 * accepted and a shard of its stream, sorted by `timestamp`. It lets the reconciler list the
 * streams that changed in a time range with a few queries instead of a scan. Items written
 * before the index existed carry no `changeBucket` and are simply not in it.
 */
export const CHANGE_INDEX = 'byChange';
export const CHANGE_BUCKET_ATTRIBUTE = 'changeBucket';
/** The count every event was written under before the count became a setting. */
export const LEGACY_CHANGE_INDEX_SHARDS = 16;
/**
 * Shards per hour by default (`CHANGE_INDEX_SHARDS`). Each event writes the index once, and
 * a key may take 500 writes/s (half a partition's 1,000): 10,000 events/s needs 20, and 32
 * leave room for an uneven hash and bursts (~313 writes/s per key at 10,000 events/s).
 */
export const DEFAULT_CHANGE_INDEX_SHARDS = 32;

/** `2026-12-01T07#5`: the UTC hour of an ISO timestamp and the stream's shard of `shards`. */
export const changeBucket = (
  timestamp: string,
  streamId: string,
  shards = DEFAULT_CHANGE_INDEX_SHARDS,
): string => `${timestamp.slice(0, 13)}#${shardOf(streamId, shards)}`;

/**
 * The shards a reader queries when writers use `setting`: a bucket key is the hour and a
 * shard number below the count it was written under, so reading up to the larger of the
 * setting and today's 16 finds events written under either. The count may grow at any
 * time; lowering it hides the buckets above it from readers until their hours leave every
 * window (docs/operations.md).
 */
export const changeShardsToRead = (setting: number): number =>
  Math.max(setting, LEGACY_CHANGE_INDEX_SHARDS);

/** Every bucket among `shards` per hour that can hold an event accepted in [from, to]. */
export const changeBucketsBetween = (from: string, to: string, shards: number): string[] => {
  const buckets: string[] = [];
  const hour = new Date(`${from.slice(0, 13)}:00:00.000Z`);
  const last = new Date(`${to.slice(0, 13)}:00:00.000Z`).getTime();
  for (; hour.getTime() <= last; hour.setUTCHours(hour.getUTCHours() + 1)) {
    const prefix = hour.toISOString().slice(0, 13);
    for (let shard = 0; shard < shards; shard++) buckets.push(`${prefix}#${shard}`);
  }
  return buckets;
};
