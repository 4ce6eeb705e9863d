import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../test/support/decider-spec.js';
import type { CustomerCommand } from './commands.js';
import { customerDecider, evolve } from './decider.js';
import { CustomerForgottenError, CustomerNotFoundError } from './errors.js';
import type { CustomerEvent } from './events.js';
import { initialState } from './state.js';
import { customerUniqueness } from './uniqueness.js';

const spec = deciderSpec(customerDecider);
const customerId = 'c-1';
const registered: CustomerEvent = {
  type: 'CustomerRegistered',
  data: { email: 'Ada@Example.com', name: 'Ada' },
};
const suspended: CustomerEvent = {
  type: 'CustomerSuspended',
  data: { reasonCode: 'FRAUD', note: 'fraud check' },
};
const forgotten: CustomerEvent = { type: 'CustomerForgotten', data: {} };
const forget: CustomerCommand = { type: 'ForgetCustomer', data: { customerId } };

const everyOtherCommand: CustomerCommand[] = [
  { type: 'RegisterCustomer', data: { customerId, email: 'x@example.com', name: 'X' } },
  { type: 'UpdateEmail', data: { customerId, newEmail: 'x@example.com' } },
  { type: 'SuspendCustomer', data: { customerId, reasonCode: 'OTHER' } },
  { type: 'ReactivateCustomer', data: { customerId } },
];

describe('ForgetCustomer', () => {
  it('records CustomerForgotten, which carries no personal data, for an active customer', () =>
    spec([registered]).when(forget).thenEvents([forgotten]));
  it('forgets a suspended customer too', () =>
    spec([registered, suspended]).when(forget).thenEvents([forgotten]));
  it('refuses an unknown customer', () => spec([]).when(forget).thenThrows(CustomerNotFoundError));
  it('changes nothing when the customer is forgotten already', () =>
    spec([registered, forgotten]).when(forget).thenEvents([]));
  it.each(everyOtherCommand.map((c) => [c.type, c] as const))(
    'refuses %s once the customer is forgotten',
    (_, command) =>
      spec([registered, suspended, forgotten]).when(command).thenThrows(CustomerForgottenError),
  );

  it('leaves nothing of the customer in the state, whatever follows', () => {
    let state = initialState();
    for (const event of [registered, suspended, forgotten, registered]) {
      state = evolve(state, event);
    }
    expect(state).toEqual({ status: 'FORGOTTEN' });
  });

  it('releases the current email in the same append', () => {
    const state = evolve(initialState(), registered);
    expect(customerUniqueness(state, [forgotten])).toEqual({
      claims: [],
      releases: [{ scope: 'email', value: 'ada@example.com' }],
    });
  });

  it('is refused with 410 semantics: kind gone, code CUSTOMER_FORGOTTEN', () => {
    const error = new CustomerForgottenError(customerId);
    expect(error).toMatchObject({ kind: 'gone', code: 'CUSTOMER_FORGOTTEN' });
    expect(error.message).toContain(customerId);
  });
});
