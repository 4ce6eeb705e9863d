import type { TableDefinition } from '../adapters/dynamodb/table-definitions.js';
import type { Config } from '../config.js';
import {
  type AggregateDeclaration,
  LEGACY_VIEWS_TABLE_ID,
  viewTableName,
} from './aggregate-module.js';

export interface DeclaredViewTable {
  id: string;
  /** Its name in this deployment (`viewTableName`). */
  name: string;
  definition: TableDefinition;
}

/** Every view table the aggregates declare, by its name in this deployment. */
export const declaredViewTables = (
  config: Pick<Config, 'QUERY_TABLE' | 'VIEW_TABLES'>,
  aggregates: readonly AggregateDeclaration[],
): DeclaredViewTable[] =>
  aggregates.flatMap((aggregate) =>
    aggregate.viewTables.map(({ id, definition }) => ({
      id,
      name: viewTableName(config, id),
      definition,
    })),
  );

/**
 * The settings with a `VIEW_TABLES` entry for every declared view table that has none,
 * named by `nameOf(id)`; names already set are kept, and the `views` id stays `QUERY_TABLE`.
 */
export const withViewTableNames = <C extends Pick<Config, 'VIEW_TABLES'>>(
  config: C,
  aggregates: readonly AggregateDeclaration[],
  nameOf: (id: string) => string,
): C => {
  const ids = aggregates
    .flatMap((aggregate) => aggregate.viewTables.map(({ id }) => id))
    .filter((id) => id !== LEGACY_VIEWS_TABLE_ID);
  return {
    ...config,
    VIEW_TABLES: {
      ...Object.fromEntries(ids.map((id) => [id, nameOf(id)])),
      ...config.VIEW_TABLES,
    },
  };
};
