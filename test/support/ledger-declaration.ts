import type { TableDefinition } from '../../src/adapters/dynamodb/table-definitions.js';
import type { AggregateDeclaration } from '../../src/composition/aggregate-module.js';

/**
 * A second aggregate as plain data only, for the tests of what is derived from declarations
 * (the stack's tables, grants and rule; local table creation): a view table with an index.
 */
export const ledgerViews: TableDefinition = {
  partitionKey: { name: 'ledgerId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'byOwner',
      partitionKey: { name: 'ownerShard', type: 'S' },
      sortKey: { name: 'ownerSortKey', type: 'S' },
      projection: 'ALL',
    },
  ],
};

export const ledgerDeclaration: AggregateDeclaration = {
  type: 'Ledger',
  streamPrefix: 'LEDGER',
  eventTypes: ['LedgerOpened', 'LedgerCredited'],
  viewTables: [{ id: 'LedgerViews', definition: ledgerViews }],
};
