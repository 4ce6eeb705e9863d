import { BusinessRuleError, GoneError, NotFoundError } from '../../../src/core/errors.js';

export class LoyaltyAccountNotFoundError extends NotFoundError {
  override readonly code = 'LOYALTY_ACCOUNT_NOT_FOUND';
  constructor(readonly accountId: string) {
    super(`Loyalty account ${accountId} does not exist`);
  }
}

export class LoyaltyAccountAlreadyOpenedError extends BusinessRuleError {
  override readonly code = 'LOYALTY_ACCOUNT_ALREADY_OPENED';
  constructor(readonly accountId: string) {
    super(`Loyalty account ${accountId} is already open`);
  }
}

export class InsufficientPointsError extends BusinessRuleError {
  override readonly code = 'POINTS_INSUFFICIENT';
  constructor(
    readonly accountId: string,
    readonly balance: number,
    readonly requested: number,
  ) {
    super(`Loyalty account ${accountId} holds ${balance} points, not ${requested}`);
  }
}

/** The account was closed: its stream takes no further command. */
export class LoyaltyAccountClosedError extends GoneError {
  override readonly code = 'LOYALTY_ACCOUNT_CLOSED';
  constructor(readonly accountId: string) {
    super(`Loyalty account ${accountId} was closed`);
  }
}
