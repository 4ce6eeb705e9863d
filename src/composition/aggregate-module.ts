import type { TableDefinition } from '../adapters/dynamodb/table-definitions.js';
import type { Config } from '../config.js';

/**
 * A read model's table, declared by the module whose projection writes it. The stack
 * creates it, `npm start` creates it locally, and the service learns its name from the
 * settings: the id `views` is the Customer views' `QUERY_TABLE` (named so before modules
 * existed); any other id is a key of `VIEW_TABLES`.
 */
export interface ViewTableDeclaration {
  /** Unique across the modules: `views`, `LoyaltyAccountViews`. */
  readonly id: string;
  readonly definition: TableDefinition;
}

/** The id of the table the Customer views have always had (`QUERY_TABLE`). */
export const LEGACY_VIEWS_TABLE_ID = 'views';

/** The name of a declared view table in this deployment; throws naming the id when unset. */
export const viewTableName = (
  config: Pick<Config, 'QUERY_TABLE' | 'VIEW_TABLES'>,
  id: string,
): string => {
  if (id === LEGACY_VIEWS_TABLE_ID) return config.QUERY_TABLE;
  const name = config.VIEW_TABLES[id];
  if (name === undefined) {
    throw new TypeError(`VIEW_TABLES names no table for the view table ${JSON.stringify(id)}`);
  }
  return name;
};

/**
 * What an aggregate declares to be registered once in the composition root (see
 * `docs/architecture.md`). These fields are plain data, read by the stack, local table
 * creation and the bus rule without building anything; the parts that run (decider,
 * command service, projections, routes) are built from the rest of the declaration.
 */
export interface AggregateDeclaration {
  /** On every envelope, bus event and queue message (`Customer`); unique across modules. */
  readonly type: string;
  /** Partition-key prefix of its streams without the `#` the store adds (`CUSTOMER`); unique. */
  readonly streamPrefix: string;
  /** Every event type it writes, by latest name: the bus rule's pattern is the union of these. */
  readonly eventTypes: readonly string[];
  /** The tables its read models live in. */
  readonly viewTables: readonly ViewTableDeclaration[];
}
