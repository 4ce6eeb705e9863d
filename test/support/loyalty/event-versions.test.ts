import { describe, it } from 'vitest';
import { upcasterSpec } from '../upcaster-spec.js';
import { loyaltyEventVersions } from './event-versions.js';
import { LoyaltyEvent } from './events.js';

const spec = upcasterSpec<LoyaltyEvent>(loyaltyEventVersions, LoyaltyEvent);

describe('Loyalty event versions', () => {
  describe('PointsEarned', () => {
    it('given v1 without a reason, then UNSPECIFIED', () =>
      spec('PointsEarned').given({ points: 25 }).thenLatest({ points: 25, reason: 'UNSPECIFIED' }));
    it('given v2, then the same payload', () =>
      spec('PointsEarned')
        .given({ points: 25, reason: 'PROMOTION' }, 2)
        .thenLatest({ points: 25, reason: 'PROMOTION' }));
  });

  describe('types that never changed', () => {
    it('given LoyaltyAccountOpened v1, then the same payload', () =>
      spec('LoyaltyAccountOpened')
        .given({ ownerName: 'Grace' })
        .thenLatest({ ownerName: 'Grace' }));
    it('given PointsRedeemed v1, then the same payload', () =>
      spec('PointsRedeemed').given({ points: 3 }).thenLatest({ points: 3 }));
    it('given LoyaltyAccountClosed v1, then the same payload', () =>
      spec('LoyaltyAccountClosed').given({}).thenLatest({}));
  });
});
