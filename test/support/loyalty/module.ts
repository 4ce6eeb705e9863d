import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBViewStore } from '../../../src/adapters/dynamodb/dynamodb-view-store.js';
import { eraseAfter } from '../../../src/app/aggregate-commands.js';
import { defineAggregate, type ModuleContext } from '../../../src/composition/aggregate-module.js';
import type { ProjectionBinding } from '../../../src/core/stream-types.js';
import { loyaltyAggregate } from './aggregate.js';
import type { LoyaltyCommand } from './commands.js';
import { LoyaltyQueries } from './queries.js';
import { loyaltyCommandRoutes, loyaltyQueryRoutes } from './routes.js';
import { type LoyaltyAccountView, loyaltyViewProjection } from './view.js';
import { loyaltyViewTable } from './view-table.js';

/** The account views in one table: the live one, or a blue/green rebuild's. */
const accountViews = (
  client: DynamoDBDocumentClient,
  tableName: string,
): ProjectionBinding<LoyaltyAccountView> & { views: DynamoDBViewStore<LoyaltyAccountView> } => {
  const views = new DynamoDBViewStore<LoyaltyAccountView>({
    client,
    tableName,
    keyName: 'accountId',
  });
  return {
    name: 'loyalty-account-views',
    projection: loyaltyViewProjection,
    views,
    audit: views.auditSource(),
    into: (table) => accountViews(client, table),
  };
};

/** Its read model: one view per account in its own table, read by id. */
const loyaltyReadModels = ({ dynamodb, viewTableName }: ModuleContext) => {
  const binding = accountViews(dynamodb, viewTableName(loyaltyViewTable.id));
  return { projections: [binding], queries: new LoyaltyQueries(binding.views) };
};

/** The loyalty account as registered: its pure declaration, read model and routes. */
export const loyaltyModule = defineAggregate({
  ...loyaltyAggregate,
  // A closed account's holder is forgotten: out of this process's memory, and at rest.
  afterCommand: eraseAfter<LoyaltyCommand>('CloseLoyaltyAccount', loyaltyAggregate.target),
  readModels: loyaltyReadModels,
  routes: { commands: loyaltyCommandRoutes, queries: loyaltyQueryRoutes },
});
