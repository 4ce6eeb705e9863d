import type { TableDefinition } from '../../../src/adapters/dynamodb/table-definitions.js';
import type { ViewTableDeclaration } from '../../../src/composition/aggregate-module.js';

/** One item per account under its id; the views are read one at a time, so no index. */
export const loyaltyAccountViewsTable: TableDefinition = {
  partitionKey: { name: 'accountId', type: 'S' },
  globalSecondaryIndexes: [],
};

/** Named by `VIEW_TABLES.LoyaltyAccountViews` in each deployment. */
export const loyaltyViewTable: ViewTableDeclaration = {
  id: 'LoyaltyAccountViews',
  definition: loyaltyAccountViewsTable,
};
