import {
  createUpcaster,
  type EventVersionRegistry,
  firstVersion,
} from '../../../src/core/upcasting.js';
import type { LoyaltyEvent } from './events.js';

type DataOf<Type extends LoyaltyEvent['type']> = Extract<LoyaltyEvent, { type: Type }>['data'];

/** `PointsEarned` v1: points without a reason. */
export interface PointsEarnedV1 {
  points: number;
}

/** v1 → v2: a reason was not recorded then, and is not invented now. */
export const reasonUnspecified = (v1: PointsEarnedV1): DataOf<'PointsEarned'> => ({
  points: v1.points,
  reason: 'UNSPECIFIED',
});

/** Every version of every loyalty event; the chains end in the shapes of `events.ts`. */
export const loyaltyEventVersions = {
  LoyaltyAccountOpened: firstVersion<DataOf<'LoyaltyAccountOpened'>>(),
  PointsEarned: firstVersion<PointsEarnedV1>().next(reasonUnspecified),
  PointsRedeemed: firstVersion<DataOf<'PointsRedeemed'>>(),
  LoyaltyAccountClosed: firstVersion<DataOf<'LoyaltyAccountClosed'>>(),
} satisfies EventVersionRegistry<LoyaltyEvent>;

/** Lifts stored loyalty events to their latest shape: every reader goes through it. */
export const loyaltyEventUpcaster = createUpcaster<LoyaltyEvent>(loyaltyEventVersions);
