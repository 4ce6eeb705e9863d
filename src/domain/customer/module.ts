import { targetByField } from '../../core/command-target.js';
import type { PersonalDataDeclaration } from '../../core/personal-data.js';
import { createUpcaster } from '../../core/upcasting.js';
import { CustomerCommand } from './commands.js';
import { customerDecider } from './decider.js';
import { CustomerNotFoundError } from './errors.js';
import { customerEventVersions } from './event-versions.js';
import { type CustomerEvent, customerEventTypes } from './events.js';
import { customerUniqueness } from './uniqueness.js';

/**
 * What the Customer aggregate declares to be registered (the pure half of its module; its
 * read model and routes are bound in `src/app/customer/module.ts`).
 */
export const customerAggregate = {
  type: 'Customer',
  /** Its streams are `CUSTOMER#<id>`: the store adds the `#`. */
  streamPrefix: 'CUSTOMER',
  eventTypes: customerEventTypes,
  decider: customerDecider,
  commandSchema: CustomerCommand,
  commandTypes: CustomerCommand.options.map((o) => o.shape.type.value),
  target: targetByField('customerId'),
  upcaster: createUpcaster<CustomerEvent>(customerEventVersions),
  /**
   * Bump when `CustomerState` changes shape: older snapshots are then ignored, and the next
   * command on a long stream takes a new one. 2: the suspension became `{reasonCode, note?}`.
   */
  snapshotSchemaVersion: 2,
  uniqueness: customerUniqueness,
  personalData: {
    // Today's fields, and `reason`, which the first deployment's suspensions carried.
    fields: ['email', 'name', 'oldEmail', 'newEmail', 'note', 'reason'],
    erasureEventTypes: ['CustomerForgotten'],
  } satisfies PersonalDataDeclaration,
  notFound: (customerId: string) => new CustomerNotFoundError(customerId),
} as const;
