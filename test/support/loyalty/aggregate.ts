import { targetByField } from '../../../src/core/command-target.js';
import { LoyaltyCommand } from './commands.js';
import { loyaltyDecider } from './decider.js';
import { loyaltyDeclaration } from './declaration.js';
import { LoyaltyAccountNotFoundError } from './errors.js';
import { loyaltyEventUpcaster } from './event-versions.js';
import { loyaltyPersonalData } from './personal-data.js';
import { LOYALTY_SNAPSHOT_SCHEMA_VERSION } from './state.js';

/** The pure half of the loyalty module: what its command service runs. */
export const loyaltyAggregate = {
  ...loyaltyDeclaration,
  decider: loyaltyDecider,
  commandSchema: LoyaltyCommand,
  commandTypes: LoyaltyCommand.options.map((o) => o.shape.type.value),
  target: targetByField('accountId'),
  upcaster: loyaltyEventUpcaster,
  snapshotSchemaVersion: LOYALTY_SNAPSHOT_SCHEMA_VERSION,
  personalData: loyaltyPersonalData,
  notFound: (accountId: string) => new LoyaltyAccountNotFoundError(accountId),
} as const;
