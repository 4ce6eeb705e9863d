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
/** Spreads one hour's writes over this many index partitions (hot-partition headroom). */
export const CHANGE_INDEX_SHARDS = 16;

/** `2026-12-01T07#5`: the UTC hour of an ISO timestamp and the stream's shard. */
export const changeBucket = (timestamp: string, aggregateId: string): string =>
  `${timestamp.slice(0, 13)}#${shardOf(aggregateId, CHANGE_INDEX_SHARDS)}`;

/** Every bucket that can hold an event accepted in [from, to] (ISO timestamps). */
export const changeBucketsBetween = (from: string, to: string): string[] => {
  const buckets: string[] = [];
  const hour = new Date(`${from.slice(0, 13)}:00:00.000Z`);
  const last = new Date(`${to.slice(0, 13)}:00:00.000Z`).getTime();
  for (; hour.getTime() <= last; hour.setUTCHours(hour.getUTCHours() + 1)) {
    const prefix = hour.toISOString().slice(0, 13);
    for (let shard = 0; shard < CHANGE_INDEX_SHARDS; shard++) buckets.push(`${prefix}#${shard}`);
  }
  return buckets;
};
