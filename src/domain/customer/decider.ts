import type { Decider } from '../../core/decider.js';
import type { CustomerCommand } from './commands.js';
import {
  CustomerAlreadyRegisteredError,
  CustomerForgottenError,
  CustomerNotActiveError,
  CustomerNotFoundError,
  CustomerNotSuspendedError,
} from './errors.js';
import type { CustomerEvent } from './events.js';
import { type CustomerState, initialState } from './state.js';

const assertNever = (value: never): never => {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
};

export const decide = (command: CustomerCommand, state: CustomerState): CustomerEvent[] => {
  const id = command.data.customerId;
  if (state.status === 'FORGOTTEN') {
    // Forgetting again changes nothing (the caller re-runs its clean-up); the rest is refused.
    if (command.type === 'ForgetCustomer') return [];
    throw new CustomerForgottenError(id);
  }
  switch (command.type) {
    case 'RegisterCustomer':
      if (state.status !== 'UNREGISTERED') throw new CustomerAlreadyRegisteredError(id);
      return [
        {
          type: 'CustomerRegistered',
          data: { email: command.data.email, name: command.data.name },
        },
      ];
    case 'UpdateEmail':
      if (state.status === 'UNREGISTERED') throw new CustomerNotFoundError(id);
      if (state.status !== 'ACTIVE') throw new CustomerNotActiveError(id, 'change email');
      if (state.email === command.data.newEmail) return [];
      return [
        {
          type: 'CustomerEmailUpdated',
          data: { oldEmail: state.email, newEmail: command.data.newEmail },
        },
      ];
    case 'SuspendCustomer':
      if (state.status === 'UNREGISTERED') throw new CustomerNotFoundError(id);
      if (state.status !== 'ACTIVE') throw new CustomerNotActiveError(id, 'be suspended');
      return [
        {
          type: 'CustomerSuspended',
          data: {
            reasonCode: command.data.reasonCode,
            ...(command.data.note === undefined ? {} : { note: command.data.note }),
          },
        },
      ];
    case 'ReactivateCustomer':
      if (state.status === 'UNREGISTERED') throw new CustomerNotFoundError(id);
      if (state.status !== 'SUSPENDED') throw new CustomerNotSuspendedError(id);
      return [{ type: 'CustomerReactivated', data: {} }];
    case 'ForgetCustomer':
      if (state.status === 'UNREGISTERED') throw new CustomerNotFoundError(id);
      return [{ type: 'CustomerForgotten', data: {} }];
    default:
      return assertNever(command);
  }
};

export const evolve = (state: CustomerState, event: CustomerEvent): CustomerState => {
  // Nothing after the erasure brings a customer back.
  if (state.status === 'FORGOTTEN') return state;
  switch (event.type) {
    case 'CustomerRegistered':
      return { status: 'ACTIVE', email: event.data.email, name: event.data.name };
    case 'CustomerEmailUpdated':
      return state.status === 'UNREGISTERED' ? state : { ...state, email: event.data.newEmail };
    case 'CustomerSuspended':
      return state.status === 'UNREGISTERED'
        ? state
        : { ...state, status: 'SUSPENDED', suspension: event.data };
    case 'CustomerReactivated': {
      if (state.status === 'UNREGISTERED') return state;
      const { suspension: _dropped, ...rest } = state;
      return { ...rest, status: 'ACTIVE' };
    }
    case 'CustomerForgotten':
      return { status: 'FORGOTTEN' };
    default:
      return assertNever(event);
  }
};

export const customerDecider: Decider<CustomerState, CustomerCommand, CustomerEvent> = {
  initialState,
  decide,
  evolve,
};
