import { DynamoDBViewStore } from '../../../src/adapters/dynamodb/dynamodb-view-store.js';
import { defineAggregate, type ModuleContext } from '../../../src/composition/aggregate-module.js';
import { loyaltyAggregate } from './aggregate.js';
import type { LoyaltyCommand } from './commands.js';
import { LoyaltyQueries } from './queries.js';
import { loyaltyCommandRoutes, loyaltyQueryRoutes } from './routes.js';
import { type LoyaltyAccountView, loyaltyViewProjection } from './view.js';
import { loyaltyViewTable } from './view-table.js';

/** Its read model: one view per account in its own table, read by id. */
const loyaltyReadModels = ({ dynamodb, viewTableName }: ModuleContext) => {
  const views = new DynamoDBViewStore<LoyaltyAccountView>({
    client: dynamodb,
    tableName: viewTableName(loyaltyViewTable.id),
    keyName: 'accountId',
  });
  return {
    projections: [{ name: 'loyalty-account-views', projection: loyaltyViewProjection, views }],
    queries: new LoyaltyQueries(views),
  };
};

/** The loyalty account as registered: its pure declaration, read model and routes. */
export const loyaltyModule = defineAggregate({
  ...loyaltyAggregate,
  afterCommand: async (command: LoyaltyCommand, { evict, erase }) => {
    if (command.type !== 'CloseLoyaltyAccount') return;
    // A closed account's holder is forgotten: out of this process's memory, and at rest.
    evict(command.data.accountId);
    await erase(command.data.accountId);
  },
  readModels: loyaltyReadModels,
  routes: { commands: loyaltyCommandRoutes, queries: loyaltyQueryRoutes },
});
