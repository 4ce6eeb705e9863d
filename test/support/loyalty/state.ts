import * as z from 'zod';

/**
 * What the decider knows of an account; also the snapshot's shape (bump
 * `LOYALTY_SNAPSHOT_SCHEMA_VERSION` when it changes).
 */
export const LoyaltyState = z.discriminatedUnion('status', [
  z.object({ status: z.literal('UNOPENED') }),
  z.object({ status: z.literal('OPEN'), ownerName: z.string(), balance: z.number().int() }),
  /** Closed: nothing of the holder is kept, and no command is taken any more. */
  z.object({ status: z.literal('CLOSED') }),
]);
export type LoyaltyState = z.infer<typeof LoyaltyState>;

export const LOYALTY_SNAPSHOT_SCHEMA_VERSION = 1;

export const initialState = (): LoyaltyState => ({ status: 'UNOPENED' });
