import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../src/core/event.js';
import { FORGOTTEN_MARKER } from '../../../src/core/event-codec.js';
import { applyEnvelopes } from '../../../src/core/projection.js';
import { UnknownEventVersionError } from '../../../src/core/upcasting.js';
import { LoyaltyViewProjectionError, loyaltyViewProjection } from './view.js';

const envelope = (
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion = eventType === 'PointsEarned' ? 2 : 1,
): EventEnvelope => ({
  eventId: `e-${version}`,
  aggregateType: 'LoyaltyAccount',
  aggregateId: 'acc-1',
  eventType,
  payload,
  timestamp: `2026-01-0${version}T00:00:00.000Z`,
  version,
  metadata: { correlationId: 'c', schemaVersion },
});

const opened = envelope(1, 'LoyaltyAccountOpened', { ownerName: 'Grace' });
const earned = envelope(2, 'PointsEarned', { points: 40, reason: 'PURCHASE' });
const redeemed = envelope(3, 'PointsRedeemed', { points: 15 });
const closed = envelope(4, 'LoyaltyAccountClosed', {});
const fold = (envelopes: EventEnvelope[]) =>
  applyEnvelopes(loyaltyViewProjection, undefined, envelopes);

describe('Loyalty account view', () => {
  it('given an opening, earnings and a redemption, then the balance and the holder', () => {
    expect(fold([opened, earned, redeemed])).toEqual({
      accountId: 'acc-1',
      ownerName: 'Grace',
      points: 25,
      status: 'OPEN',
      version: 3,
      lastUpdated: '2026-01-03T00:00:00.000Z',
    });
  });

  it('given a PointsEarned stored as v1 (no reason), then its points count', () => {
    expect(fold([opened, envelope(2, 'PointsEarned', { points: 7 }, 1)])?.points).toBe(7);
  });

  it('given the closure, then no holder name and no points are kept', () => {
    expect(fold([opened, earned, redeemed, closed])).toEqual({
      accountId: 'acc-1',
      points: 0,
      status: 'CLOSED',
      version: 4,
      lastUpdated: '2026-01-04T00:00:00.000Z',
    });
  });

  it('given a name that reads as forgotten (its key deleted), then no holder name', () => {
    const view = fold([envelope(1, 'LoyaltyAccountOpened', { ownerName: FORGOTTEN_MARKER })]);
    expect(view).not.toHaveProperty('ownerName');
  });

  it('given redelivered events, then each counts once', () => {
    const once = fold([opened, earned]);
    expect(applyEnvelopes(loyaltyViewProjection, once, [opened, earned, redeemed])).toEqual(
      fold([opened, earned, redeemed]),
    );
  });

  it('refuses an event before the opening', () => {
    expect(() => loyaltyViewProjection.evolve(undefined, earned)).toThrow(
      LoyaltyViewProjectionError,
    );
  });

  it('refuses a malformed payload', () => {
    const view = fold([opened]);
    expect(() =>
      loyaltyViewProjection.evolve(view, envelope(2, 'PointsRedeemed', { points: '15' })),
    ).toThrow(LoyaltyViewProjectionError);
  });

  it('refuses a version newer than it knows, rather than folding it wrongly', () => {
    const view = fold([opened]);
    expect(() =>
      loyaltyViewProjection.evolve(view, envelope(2, 'PointsEarned', { points: 1 }, 3)),
    ).toThrow(UnknownEventVersionError);
  });
});
