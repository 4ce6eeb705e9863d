import { customerViewsTable } from '../adapters/dynamodb/table-definitions.js';
import { customerEventTypes } from '../domain/customer/events.js';
import { type AggregateDeclaration, LEGACY_VIEWS_TABLE_ID } from './aggregate-module.js';

/** The Customer as the bus rule, the stack and local table creation see it. */
export const customerDeclaration: AggregateDeclaration = {
  type: 'Customer',
  streamPrefix: 'CUSTOMER',
  eventTypes: customerEventTypes,
  viewTables: [{ id: LEGACY_VIEWS_TABLE_ID, definition: customerViewsTable }],
};

/** Every aggregate the service runs: the one list the derived lists come from. */
export const DECLARED_AGGREGATES: readonly AggregateDeclaration[] = [customerDeclaration];
