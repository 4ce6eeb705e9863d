import type { AggregateDeclaration } from '../../../src/composition/aggregate-module.js';
import { loyaltyEventTypes } from './events.js';
import { loyaltyViewTable } from './view-table.js';

/**
 * What the stack, local table creation and the bus rule read of the loyalty account: plain
 * data, no code that runs. Streams are `LOYALTY#<accountId>` (the store adds the `#`).
 */
export const loyaltyDeclaration: AggregateDeclaration = {
  type: 'LoyaltyAccount',
  streamPrefix: 'LOYALTY',
  eventTypes: loyaltyEventTypes,
  viewTables: [loyaltyViewTable],
};
