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
