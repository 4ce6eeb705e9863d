import type { AggregateDeclaration } from './aggregate-module.js';

/** Two aggregate declarations that cannot be registered together, or one that cannot be at all. */
export class AggregateDeclarationError extends Error {
  override readonly name = 'AggregateDeclarationError';
}

/**
 * Partition-key prefixes the event store's other items use (`event-store-keys.ts`,
 * `wrapped-key-items.ts`, the checkpoints and the claims marker): a stream under one would
 * share their keys.
 */
const RESERVED_PREFIXES = [
  'COMMAND',
  'UNIQUE',
  'CHECKPOINT',
  'KEY',
  'SECRET',
  'BRANCH_KEY',
  'MARKER',
];

/**
 * View table ids become CloudFormation logical ids and `VIEW_TABLES` keys; local runs name
 * their tables after them, and DynamoDB names take at least three characters.
 */
const VIEW_TABLE_ID = /^[A-Za-z][A-Za-z0-9]{2,63}$/;

/** Throws naming the first value two declarations (or one, twice) claim. */
const refuseClaimedTwice = (
  what: string,
  claims: readonly { value: string; by: string }[],
): void => {
  const owners = new Map<string, string>();
  for (const { value, by } of claims) {
    const first = owners.get(value);
    if (first !== undefined) {
      const who = first === by ? `${by} twice` : `${first} and ${by}`;
      throw new AggregateDeclarationError(`${what} ${JSON.stringify(value)} is declared by ${who}`);
    }
    owners.set(value, by);
  }
};

/**
 * What makes a list of aggregates registrable: types, stream prefixes, event types and view
 * table ids each unique across it, prefixes without the `#` the store adds and clear of the
 * table's other items. Throws an `AggregateDeclarationError` naming the clash.
 */
export const checkDeclarations = (aggregates: readonly AggregateDeclaration[]): void => {
  if (aggregates.length === 0) {
    throw new AggregateDeclarationError('No aggregate is declared: the service needs at least one');
  }
  for (const { type, streamPrefix, eventTypes, viewTables } of aggregates) {
    if (type.trim() === '') throw new AggregateDeclarationError('An aggregate has an empty type');
    if (!/^[A-Za-z0-9_-]+$/.test(streamPrefix)) {
      throw new AggregateDeclarationError(
        `${type}'s stream prefix ${JSON.stringify(streamPrefix)} must be letters, digits, _ or - (the store adds the #)`,
      );
    }
    if (RESERVED_PREFIXES.includes(streamPrefix)) {
      throw new AggregateDeclarationError(
        `${type}'s stream prefix ${JSON.stringify(streamPrefix)} is the event store's own (${RESERVED_PREFIXES.join(', ')})`,
      );
    }
    if (eventTypes.length === 0) {
      throw new AggregateDeclarationError(`${type} declares no event types`);
    }
    for (const { id } of viewTables) {
      if (!VIEW_TABLE_ID.test(id)) {
        throw new AggregateDeclarationError(
          `${type}'s view table id ${JSON.stringify(id)} must be 3 to 64 letters and digits, starting with a letter`,
        );
      }
    }
  }
  refuseClaimedTwice(
    'Aggregate type',
    aggregates.map((a) => ({ value: a.type, by: a.type })),
  );
  refuseClaimedTwice(
    'Stream prefix',
    aggregates.map((a) => ({ value: a.streamPrefix, by: a.type })),
  );
  refuseClaimedTwice(
    'Event type',
    aggregates.flatMap((a) => a.eventTypes.map((value) => ({ value, by: a.type }))),
  );
  refuseClaimedTwice(
    'View table id',
    aggregates.flatMap((a) => a.viewTables.map(({ id }) => ({ value: id, by: a.type }))),
  );
};
