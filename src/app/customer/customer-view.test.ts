import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../core/event.js';
import { applyEnvelopes } from '../../core/projection.js';
import { UnknownEventTypeError, UnknownEventVersionError } from '../../core/upcasting.js';
import {
  CustomerViewProjectionError,
  customerViewProjection,
  evolveCustomerView,
} from './customer-view.js';

let n = 0;
const envelope = (
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion = 1,
): EventEnvelope => ({
  eventId: `e-${n++}`,
  aggregateType: 'Customer',
  aggregateId: 'c-1',
  eventType,
  payload,
  timestamp: `2024-03-0${version}T12:00:00.000Z`,
  version,
  metadata: { correlationId: 'corr', schemaVersion },
});

const registered = envelope(1, 'CustomerRegistered', { email: 'Ann@Example.com', name: 'Ann' });
const suspended = envelope(2, 'CustomerSuspended', { reasonCode: 'FRAUD', note: 'fraud check' }, 2);
/** As the first deployment wrote it. */
const suspendedV1 = envelope(2, 'CustomerSuspended', { reason: 'fraud check' }, 1);
const emailUpdated = envelope(3, 'CustomerEmailUpdated', {
  oldEmail: 'Ann@Example.com',
  newEmail: 'ann@new.example',
});
const reactivated = envelope(4, 'CustomerReactivated', {});

describe('Customer view', () => {
  it('given a registration, then an active view with registration date and version 1', () => {
    expect(evolveCustomerView(undefined, registered)).toEqual({
      customerId: 'c-1',
      email: 'Ann@Example.com',
      name: 'Ann',
      status: 'ACTIVE',
      registrationDate: '2024-03-01T12:00:00.000Z',
      lastUpdated: '2024-03-01T12:00:00.000Z',
      version: 1,
    });
  });

  it('keeps the suspension code and note only while suspended', () => {
    const whileSuspended = applyEnvelopes(customerViewProjection, undefined, [
      registered,
      suspended,
      emailUpdated,
    ]);
    expect(whileSuspended).toMatchObject({
      status: 'SUSPENDED',
      suspensionReasonCode: 'FRAUD',
      suspensionReason: 'fraud check',
      email: 'ann@new.example',
      version: 3,
      lastUpdated: '2024-03-03T12:00:00.000Z',
      registrationDate: '2024-03-01T12:00:00.000Z',
    });
    const after = applyEnvelopes(customerViewProjection, whileSuspended, [reactivated]);
    expect(after).toMatchObject({ status: 'ACTIVE', version: 4 });
    expect(after).not.toHaveProperty('suspensionReason');
    expect(after).not.toHaveProperty('suspensionReasonCode');
  });

  it('given a v1 suspension, then an OTHER suspension whose note is the old reason', () => {
    const view = applyEnvelopes(customerViewProjection, undefined, [registered, suspendedV1]);
    expect(view).toMatchObject({
      status: 'SUSPENDED',
      suspensionReasonCode: 'OTHER',
      suspensionReason: 'fraud check',
      version: 2,
    });
  });

  it('given a suspension without a note, then a code and no suspensionReason', () => {
    const view = applyEnvelopes(customerViewProjection, undefined, [
      registered,
      envelope(2, 'CustomerSuspended', { reasonCode: 'CHARGEBACK' }, 2),
    ]);
    expect(view).toMatchObject({ status: 'SUSPENDED', suspensionReasonCode: 'CHARGEBACK' });
    expect(view).not.toHaveProperty('suspensionReason');
  });

  it('a CustomerRegistered redelivered after later events does not reset the view', () => {
    const view = applyEnvelopes(customerViewProjection, undefined, [registered, suspended]);
    expect(applyEnvelopes(customerViewProjection, view, [registered])).toEqual(view);
  });

  it('refuses a malformed payload and an event before the registration', () => {
    expect(() => evolveCustomerView(undefined, envelope(1, 'CustomerRegistered', {}))).toThrow(
      CustomerViewProjectionError,
    );
    expect(() => evolveCustomerView(undefined, suspended)).toThrow(CustomerViewProjectionError);
  });

  it('refuses an event type or a version it does not know, naming them, never skipping', () => {
    const view = evolveCustomerView(undefined, registered);
    expect(() =>
      evolveCustomerView(view, envelope(2, 'CustomerPhoneAdded', { phone: '1' })),
    ).toThrow(UnknownEventTypeError);
    expect(() =>
      evolveCustomerView(view, envelope(2, 'CustomerPhoneAdded', { phone: '1' })),
    ).toThrow(/CustomerPhoneAdded \(schema version 1\)/);
    const newer = envelope(2, 'CustomerSuspended', { reasonCode: 'FRAUD', encrypted: 'x' }, 4);
    expect(() => evolveCustomerView(view, newer)).toThrow(UnknownEventVersionError);
    expect(() => evolveCustomerView(view, newer)).toThrow(/CustomerSuspended schema version 4/);
  });
});
