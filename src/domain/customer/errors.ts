import { BusinessRuleError, GoneError, NotFoundError } from '../../core/errors.js';

export class CustomerNotFoundError extends NotFoundError {
  override readonly code = 'CUSTOMER_NOT_FOUND';
  constructor(readonly customerId: string) {
    super(`Customer ${customerId} does not exist`);
  }
}

export class CustomerAlreadyRegisteredError extends BusinessRuleError {
  override readonly code = 'CUSTOMER_ALREADY_REGISTERED';
  constructor(readonly customerId: string) {
    super(`Customer ${customerId} is already registered`);
  }
}

export class CustomerNotActiveError extends BusinessRuleError {
  override readonly code = 'CUSTOMER_NOT_ACTIVE';
  constructor(
    readonly customerId: string,
    action: string,
  ) {
    super(`Customer ${customerId} must be ACTIVE to ${action}`);
  }
}

export class CustomerNotSuspendedError extends BusinessRuleError {
  override readonly code = 'CUSTOMER_NOT_SUSPENDED';
  constructor(readonly customerId: string) {
    super(`Customer ${customerId} must be SUSPENDED to be reactivated`);
  }
}

/** The customer was forgotten: their stream takes no further command. */
export class CustomerForgottenError extends GoneError {
  override readonly code = 'CUSTOMER_FORGOTTEN';
  constructor(readonly customerId: string) {
    super(`Customer ${customerId} was forgotten`);
  }
}
