import { DynamoDBCustomerViewAuditSource } from '../../adapters/dynamodb/dynamodb-customer-view-audit-source.js';
import { DynamoDBCustomerViewReader } from '../../adapters/dynamodb/dynamodb-customer-view-reader.js';
import { DynamoDBCustomerViewStore } from '../../adapters/dynamodb/dynamodb-customer-view-store.js';
import { customerViewsTable } from '../../adapters/dynamodb/table-definitions.js';
import {
  defineAggregate,
  LEGACY_VIEWS_TABLE_ID,
  type ModuleContext,
} from '../../composition/aggregate-module.js';
import type { ProjectionBinding } from '../../core/stream-types.js';
import type { CustomerCommand } from '../../domain/customer/commands.js';
import { customerAggregate } from '../../domain/customer/module.js';
import { eraseAfter } from '../aggregate-commands.js';
import { customerStoredItem } from './audit-customer-view.js';
import { withCustomerId } from './command-input.js';
import { createCommandRoutes } from './command-routes.js';
import { CustomerQueryService } from './customer-queries.js';
import { type CustomerViewRecord, customerViewProjection } from './customer-view.js';
import { createQueryRoutes } from './query-routes.js';

/** The Customer views' table: `QUERY_TABLE`, as it was before modules. */
const VIEWS = LEGACY_VIEWS_TABLE_ID;

/** The Customer views in one table: the live one, or a blue/green rebuild's. */
const customerViews = (
  dynamodb: ModuleContext['dynamodb'],
  tableName: string,
): ProjectionBinding<CustomerViewRecord> => {
  const views = new DynamoDBCustomerViewStore({ client: dynamodb, tableName });
  return {
    name: 'customer-views',
    viewTable: VIEWS,
    projection: customerViewProjection,
    views,
    audit: new DynamoDBCustomerViewAuditSource({ client: dynamodb, tableName }),
    storedItem: customerStoredItem(views.storesIndexKeys),
    into: (table) => customerViews(dynamodb, table),
  };
};

/** Its read model: one view per customer, queried by id, status and email. */
const customerReadModels = ({ config, dynamodb, viewTableName }: ModuleContext) => {
  const tableName = viewTableName(VIEWS);
  return {
    projections: [customerViews(dynamodb, tableName)],
    queries: new CustomerQueryService({
      reader: new DynamoDBCustomerViewReader({ client: dynamodb, tableName }),
      minVersionWaitMs: config.MIN_VERSION_WAIT_MS,
    }),
  };
};

/** The Customer aggregate as registered: its pure declaration, read model and routes. */
export const customerModule = defineAggregate({
  ...customerAggregate,
  viewTables: [{ id: VIEWS, definition: customerViewsTable }],
  completeCommand: withCustomerId,
  afterCommand: eraseAfter<CustomerCommand>('ForgetCustomer', customerAggregate.target),
  readModels: customerReadModels,
  routes: { commands: createCommandRoutes, queries: createQueryRoutes },
});
