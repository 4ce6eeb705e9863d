import * as z from 'zod';
import { EarnReason } from './events.js';

/** Ids are opaque but safe in keys and URLs: letters, digits, `-` and `_`. */
export const AccountId = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "-" and "_"');

export const OwnerName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must not contain control characters or unpaired surrogates');

export const Points = z.number().int().min(1).max(1_000_000);
const ExpectedVersion = z.number().int().min(0);

export const OpenLoyaltyAccount = z.strictObject({
  type: z.literal('OpenLoyaltyAccount'),
  data: z.strictObject({ accountId: AccountId, ownerName: OwnerName }),
});
export const EarnPoints = z.strictObject({
  type: z.literal('EarnPoints'),
  data: z.strictObject({
    accountId: AccountId,
    points: Points,
    reason: EarnReason.exclude(['UNSPECIFIED']),
    expectedVersion: ExpectedVersion.optional(),
  }),
});
export const RedeemPoints = z.strictObject({
  type: z.literal('RedeemPoints'),
  data: z.strictObject({
    accountId: AccountId,
    points: Points,
    expectedVersion: ExpectedVersion.optional(),
  }),
});
export const CloseLoyaltyAccount = z.strictObject({
  type: z.literal('CloseLoyaltyAccount'),
  data: z.strictObject({ accountId: AccountId }),
});

export const LoyaltyCommand = z.discriminatedUnion('type', [
  OpenLoyaltyAccount,
  EarnPoints,
  RedeemPoints,
  CloseLoyaltyAccount,
]);
export type LoyaltyCommand = z.infer<typeof LoyaltyCommand>;
