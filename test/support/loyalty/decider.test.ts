import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../decider-spec.js';
import { LoyaltyCommand } from './commands.js';
import { evolve, loyaltyDecider } from './decider.js';
import {
  InsufficientPointsError,
  LoyaltyAccountAlreadyOpenedError,
  LoyaltyAccountClosedError,
  LoyaltyAccountNotFoundError,
} from './errors.js';
import type { LoyaltyEvent } from './events.js';
import { initialState, LoyaltyState } from './state.js';

const spec = deciderSpec(loyaltyDecider);
const accountId = 'acc-1';
const opened: LoyaltyEvent = { type: 'LoyaltyAccountOpened', data: { ownerName: 'Grace' } };
const earned = (points: number): LoyaltyEvent => ({
  type: 'PointsEarned',
  data: { points, reason: 'PURCHASE' },
});
const redeemed = (points: number): LoyaltyEvent => ({ type: 'PointsRedeemed', data: { points } });
const closed: LoyaltyEvent = { type: 'LoyaltyAccountClosed', data: {} };

const open: LoyaltyCommand = {
  type: 'OpenLoyaltyAccount',
  data: { accountId, ownerName: 'Grace' },
};
const earn = (points: number): LoyaltyCommand => ({
  type: 'EarnPoints',
  data: { accountId, points, reason: 'PURCHASE' },
});
const redeem = (points: number): LoyaltyCommand => ({
  type: 'RedeemPoints',
  data: { accountId, points },
});
const close: LoyaltyCommand = { type: 'CloseLoyaltyAccount', data: { accountId } };

describe('Loyalty account decider', () => {
  describe('OpenLoyaltyAccount', () => {
    it('opens a new account for its holder', () => spec([]).when(open).thenEvents([opened]));
    it('refuses to open twice', () =>
      spec([opened]).when(open).thenThrows(LoyaltyAccountAlreadyOpenedError));
  });

  describe('EarnPoints', () => {
    it('records the points and why', () =>
      spec([opened])
        .when(earn(40))
        .thenEvents([earned(40)]));
    it('refuses an unknown account', () =>
      spec([]).when(earn(40)).thenThrows(LoyaltyAccountNotFoundError));
  });

  describe('RedeemPoints', () => {
    it('redeems up to the balance', () =>
      spec([opened, earned(40), earned(10)])
        .when(redeem(50))
        .thenEvents([redeemed(50)]));
    it('refuses to redeem beyond the balance', () =>
      spec([opened, earned(40), redeemed(30)])
        .when(redeem(11))
        .thenThrows(InsufficientPointsError));
    it('refuses any redemption from an empty account', () =>
      spec([opened]).when(redeem(1)).thenThrows(InsufficientPointsError));
    it('refuses an unknown account', () =>
      spec([]).when(redeem(1)).thenThrows(LoyaltyAccountNotFoundError));
    it('says what the account holds and what was asked, as a broken rule', () => {
      const error = new InsufficientPointsError(accountId, 10, 11);
      expect(error).toMatchObject({ kind: 'rule_broken', code: 'POINTS_INSUFFICIENT' });
      expect(error.message).toBe('Loyalty account acc-1 holds 10 points, not 11');
    });
  });

  describe('CloseLoyaltyAccount', () => {
    it('closes an open account', () =>
      spec([opened, earned(5)])
        .when(close)
        .thenEvents([closed]));
    it('changes nothing when the account is closed already', () =>
      spec([opened, closed]).when(close).thenEvents([]));
    it('refuses an unknown account', () =>
      spec([]).when(close).thenThrows(LoyaltyAccountNotFoundError));
    it.each([open, earn(1), redeem(1)].map((c) => [c.type, c] as const))(
      'refuses %s once the account is closed',
      (_, command) => spec([opened, closed]).when(command).thenThrows(LoyaltyAccountClosedError),
    );
  });

  it('folds a history into the balance', () => {
    const events = [opened, earned(40), redeemed(15), earned(5)];
    expect(events.reduce(evolve, initialState())).toEqual({
      status: 'OPEN',
      ownerName: 'Grace',
      balance: 30,
    });
  });

  it('keeps nothing of the holder once closed, whatever follows', () => {
    const state = [opened, earned(40), closed, opened, earned(1)].reduce(evolve, initialState());
    expect(state).toEqual({ status: 'CLOSED' });
  });

  it('folds to states its snapshot schema reads back', () => {
    for (const events of [[], [opened, earned(3)], [opened, closed]]) {
      const state = events.reduce(evolve, initialState());
      expect(LoyaltyState.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
    }
  });
});

describe('Loyalty commands', () => {
  it('take a trimmed holder name and whole positive points', () => {
    expect(
      LoyaltyCommand.parse({
        type: 'OpenLoyaltyAccount',
        data: { accountId, ownerName: '  Grace Hopper ' },
      }),
    ).toEqual({ type: 'OpenLoyaltyAccount', data: { accountId, ownerName: 'Grace Hopper' } });
  });
  it.each([
    ['zero points', { type: 'EarnPoints', data: { accountId, points: 0, reason: 'PURCHASE' } }],
    ['fractional points', { type: 'RedeemPoints', data: { accountId, points: 1.5 } }],
    [
      'the reason only old events have',
      { type: 'EarnPoints', data: { accountId, points: 1, reason: 'UNSPECIFIED' } },
    ],
    ['an id unsafe in a key', { type: 'CloseLoyaltyAccount', data: { accountId: 'a#b' } }],
    ['an unknown field', { type: 'CloseLoyaltyAccount', data: { accountId, extra: 1 } }],
  ])('refuse %s', (_, input) => {
    expect(LoyaltyCommand.safeParse(input).success).toBe(false);
  });
});
