import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../test/support/decider-spec.js';
import type { CustomerCommand } from './commands.js';
import { customerDecider, evolve } from './decider.js';
import {
  CustomerAlreadyRegisteredError,
  CustomerNotActiveError,
  CustomerNotFoundError,
  CustomerNotSuspendedError,
} from './errors.js';
import type { CustomerEvent } from './events.js';
import { initialState } from './state.js';
import { customerUniqueness } from './uniqueness.js';

const spec = deciderSpec(customerDecider);
const customerId = 'c-1';
const registered: CustomerEvent = {
  type: 'CustomerRegistered',
  data: { email: 'ada@example.com', name: 'Ada' },
};
const suspended: CustomerEvent = {
  type: 'CustomerSuspended',
  data: { reasonCode: 'FRAUD', note: 'fraud check' },
};
const register: CustomerCommand = {
  type: 'RegisterCustomer',
  data: { customerId, email: 'ada@example.com', name: 'Ada' },
};
const updateEmail = (newEmail: string): CustomerCommand => ({
  type: 'UpdateEmail',
  data: { customerId, newEmail },
});
const suspend: CustomerCommand = {
  type: 'SuspendCustomer',
  data: { customerId, reasonCode: 'FRAUD', note: 'fraud check' },
};
const reactivate: CustomerCommand = { type: 'ReactivateCustomer', data: { customerId } };

describe('Customer decider', () => {
  describe('RegisterCustomer', () => {
    it('registers a new customer', () => spec([]).when(register).thenEvents([registered]));
    it('refuses a second registration', () =>
      spec([registered]).when(register).thenThrows(CustomerAlreadyRegisteredError));
  });

  describe('UpdateEmail', () => {
    it('records the old and the new email', () =>
      spec([registered])
        .when(updateEmail('ada@lovelace.dev'))
        .thenEvents([
          {
            type: 'CustomerEmailUpdated',
            data: { oldEmail: 'ada@example.com', newEmail: 'ada@lovelace.dev' },
          },
        ]));
    it('does nothing when the email is unchanged', () =>
      spec([registered]).when(updateEmail('ada@example.com')).thenEvents([]));
    it('refuses an unknown customer', () =>
      spec([]).when(updateEmail('x@example.com')).thenThrows(CustomerNotFoundError));
    it('refuses a suspended customer', () =>
      spec([registered, suspended])
        .when(updateEmail('x@example.com'))
        .thenThrows(CustomerNotActiveError));
  });

  describe('SuspendCustomer', () => {
    it('suspends an active customer with the reason code and note', () =>
      spec([registered]).when(suspend).thenEvents([suspended]));
    it('suspends without a note', () =>
      spec([registered])
        .when({ type: 'SuspendCustomer', data: { customerId, reasonCode: 'CUSTOMER_REQUEST' } })
        .thenEvents([{ type: 'CustomerSuspended', data: { reasonCode: 'CUSTOMER_REQUEST' } }]));
    it('refuses to suspend twice', () =>
      spec([registered, suspended]).when(suspend).thenThrows(CustomerNotActiveError));
    it('refuses an unknown customer', () =>
      spec([]).when(suspend).thenThrows(CustomerNotFoundError));
  });

  describe('ReactivateCustomer', () => {
    it('reactivates a suspended customer', () =>
      spec([registered, suspended])
        .when(reactivate)
        .thenEvents([{ type: 'CustomerReactivated', data: {} }]));
    it('refuses an active customer', () =>
      spec([registered]).when(reactivate).thenThrows(CustomerNotSuspendedError));
    it('refuses an unknown customer', () =>
      spec([]).when(reactivate).thenThrows(CustomerNotFoundError));
  });

  it('keeps the suspension in the state while suspended', () => {
    expect([registered, suspended].reduce(evolve, initialState())).toEqual({
      status: 'SUSPENDED',
      email: 'ada@example.com',
      name: 'Ada',
      suspension: { reasonCode: 'FRAUD', note: 'fraud check' },
    });
  });

  it('folds a history into the current state, dropping the suspension on reactivation', () => {
    const events: CustomerEvent[] = [
      registered,
      suspended,
      { type: 'CustomerReactivated', data: {} },
      { type: 'CustomerEmailUpdated', data: { oldEmail: 'ada@example.com', newEmail: 'a@b.io' } },
    ];
    expect(events.reduce(evolve, initialState())).toEqual({
      status: 'ACTIVE',
      email: 'a@b.io',
      name: 'Ada',
    });
  });
});

describe('Customer email uniqueness', () => {
  it('claims the normalised email on registration', () => {
    const withCase: CustomerEvent = {
      type: 'CustomerRegistered',
      data: { email: 'Ada@Example.COM', name: 'Ada' },
    };
    expect(customerUniqueness(initialState(), [withCase])).toEqual({
      claims: [{ scope: 'email', value: 'ada@example.com' }],
      releases: [],
    });
  });
  it('moves the claim on an email change', () => {
    const change: CustomerEvent = {
      type: 'CustomerEmailUpdated',
      data: { oldEmail: 'ada@example.com', newEmail: 'new@example.com' },
    };
    expect(customerUniqueness(initialState(), [change])).toEqual({
      claims: [{ scope: 'email', value: 'new@example.com' }],
      releases: [{ scope: 'email', value: 'ada@example.com' }],
    });
  });
  it('keeps the claim when only the case changes', () => {
    const change: CustomerEvent = {
      type: 'CustomerEmailUpdated',
      data: { oldEmail: 'ada@example.com', newEmail: 'ADA@example.com' },
    };
    expect(customerUniqueness(initialState(), [change])).toEqual({ claims: [], releases: [] });
  });
});
