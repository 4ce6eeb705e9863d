import * as z from 'zod';

/** Why points were earned; `UNSPECIFIED` is what events written before the reason read as. */
export const EarnReason = z.enum(['PURCHASE', 'PROMOTION', 'ADJUSTMENT', 'UNSPECIFIED']);
export type EarnReason = z.infer<typeof EarnReason>;

/** The holder's name is personal data: encrypted under the account's own key. */
export const LoyaltyAccountOpened = z.object({
  type: z.literal('LoyaltyAccountOpened'),
  data: z.object({ ownerName: z.string() }),
});
/** `PointsEarned` as written today (schema version 2, with its reason). */
export const PointsEarned = z.object({
  type: z.literal('PointsEarned'),
  data: z.object({ points: z.number().int().positive(), reason: EarnReason }),
});
export const PointsRedeemed = z.object({
  type: z.literal('PointsRedeemed'),
  data: z.object({ points: z.number().int().positive() }),
});
/**
 * The account was closed: its points lapse and its holder is forgotten (the event carries
 * no personal data; after it, the account's key may be deleted).
 */
export const LoyaltyAccountClosed = z.object({
  type: z.literal('LoyaltyAccountClosed'),
  data: z.object({}),
});

/** Every fact a loyalty account can record. `type` is the envelope's `eventType`. */
export const LoyaltyEvent = z.discriminatedUnion('type', [
  LoyaltyAccountOpened,
  PointsEarned,
  PointsRedeemed,
  LoyaltyAccountClosed,
]);
export type LoyaltyEvent = z.infer<typeof LoyaltyEvent>;
export const loyaltyEventTypes = LoyaltyEvent.options.map((o) => o.shape.type.value);
