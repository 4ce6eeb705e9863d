import type { CustomerCommand, CustomerEvent, CustomerState } from '../../domain/customer/index.js';
import { customerAggregate } from '../../domain/customer/module.js';
import {
  AggregateCommands,
  type AggregateCommandsOptions,
  type CommandMetadata,
  type CommandOutcome,
} from '../aggregate-commands.js';
import { customerModule } from './module.js';

export type { CommandMetadata } from '../aggregate-commands.js';
export { systemClock, uuidGenerator } from '../aggregate-commands.js';
export { customerIdForKey } from './command-input.js';

/** See `customerAggregate.snapshotSchemaVersion`. */
export const SNAPSHOT_SCHEMA_VERSION = customerAggregate.snapshotSchemaVersion;

/** An outcome naming its stream by the Customer's own name too. */
export interface CustomerCommandOutcome extends CommandOutcome {
  customerId: string;
}

export interface CustomerCommandServiceOptions extends AggregateCommandsOptions<CustomerState> {
  /**
   * The clean-up after an erasure (delete the data key, the snapshot, legacy plaintext). It
   * runs after every `ForgetCustomer`, a repeated one too, so a crash between steps heals.
   */
  afterForget?: (customerId: string) => Promise<unknown>;
}

/** The Customer module's write side, built alone (tests, benchmarks, tools). */
export class CustomerCommandService extends AggregateCommands<
  CustomerState,
  CustomerCommand,
  CustomerEvent
> {
  constructor({ afterForget, ...options }: CustomerCommandServiceOptions) {
    super(customerModule, { ...options, ...(afterForget ? { erase: afterForget } : {}) });
  }

  override async execute(
    input: unknown,
    metadata: CommandMetadata,
  ): Promise<CustomerCommandOutcome> {
    const outcome = await super.execute(input, metadata);
    return { ...outcome, customerId: outcome.aggregateId };
  }
}
