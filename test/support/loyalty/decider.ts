import type { Decider } from '../../../src/core/decider.js';
import type { LoyaltyCommand } from './commands.js';
import {
  InsufficientPointsError,
  LoyaltyAccountAlreadyOpenedError,
  LoyaltyAccountClosedError,
  LoyaltyAccountNotFoundError,
} from './errors.js';
import type { LoyaltyEvent } from './events.js';
import { initialState, type LoyaltyState } from './state.js';

const assertNever = (value: never): never => {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
};

type OpenState = Extract<LoyaltyState, { status: 'OPEN' }>;

const requireOpen = (id: string, state: LoyaltyState): OpenState => {
  if (state.status === 'OPEN') return state;
  if (state.status === 'CLOSED') throw new LoyaltyAccountClosedError(id);
  throw new LoyaltyAccountNotFoundError(id);
};

export const decide = (command: LoyaltyCommand, state: LoyaltyState): LoyaltyEvent[] => {
  const id = command.data.accountId;
  if (state.status === 'CLOSED') {
    // Closing again changes nothing (the caller re-runs its clean-up); the rest is refused.
    if (command.type === 'CloseLoyaltyAccount') return [];
    throw new LoyaltyAccountClosedError(id);
  }
  switch (command.type) {
    case 'OpenLoyaltyAccount':
      if (state.status !== 'UNOPENED') throw new LoyaltyAccountAlreadyOpenedError(id);
      return [{ type: 'LoyaltyAccountOpened', data: { ownerName: command.data.ownerName } }];
    case 'EarnPoints':
      requireOpen(id, state);
      return [
        {
          type: 'PointsEarned',
          data: { points: command.data.points, reason: command.data.reason },
        },
      ];
    case 'RedeemPoints': {
      const { balance } = requireOpen(id, state);
      if (command.data.points > balance)
        throw new InsufficientPointsError(id, balance, command.data.points);
      return [{ type: 'PointsRedeemed', data: { points: command.data.points } }];
    }
    case 'CloseLoyaltyAccount':
      requireOpen(id, state);
      return [{ type: 'LoyaltyAccountClosed', data: {} }];
    default:
      return assertNever(command);
  }
};

export const evolve = (state: LoyaltyState, event: LoyaltyEvent): LoyaltyState => {
  // Nothing after the closure reopens an account.
  if (state.status === 'CLOSED') return state;
  switch (event.type) {
    case 'LoyaltyAccountOpened':
      return { status: 'OPEN', ownerName: event.data.ownerName, balance: 0 };
    case 'PointsEarned':
      return state.status === 'OPEN'
        ? { ...state, balance: state.balance + event.data.points }
        : state;
    case 'PointsRedeemed':
      return state.status === 'OPEN'
        ? { ...state, balance: state.balance - event.data.points }
        : state;
    case 'LoyaltyAccountClosed':
      return { status: 'CLOSED' };
    default:
      return assertNever(event);
  }
};

export const loyaltyDecider: Decider<LoyaltyState, LoyaltyCommand, LoyaltyEvent> = {
  initialState,
  decide,
  evolve,
};
