import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../core/event.js';
import { applyEnvelopes } from '../core/projection.js';
import {
  CustomerViewProjectionError,
  customerViewIndexKeys,
  customerViewProjection,
  evolveCustomerView,
} from './customer-view.js';

let n = 0;
const envelope = (version: number, eventType: string, payload: unknown): EventEnvelope => ({
  eventId: `e-${n++}`,
  aggregateId: 'c-1',
  eventType,
  payload,
  timestamp: `2024-03-0${version}T12:00:00.000Z`,
  version,
  metadata: { correlationId: 'corr', schemaVersion: 1 },
});

const registered = envelope(1, 'CustomerRegistered', { email: 'Ann@Example.com', name: 'Ann' });
const suspended = envelope(2, 'CustomerSuspended', { reason: 'fraud check' });
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

  it('keeps the suspension reason only while suspended', () => {
    const whileSuspended = applyEnvelopes(customerViewProjection, undefined, [
      registered,
      suspended,
      emailUpdated,
    ]);
    expect(whileSuspended).toMatchObject({
      status: 'SUSPENDED',
      suspensionReason: 'fraud check',
      email: 'ann@new.example',
      version: 3,
      lastUpdated: '2024-03-03T12:00:00.000Z',
      registrationDate: '2024-03-01T12:00:00.000Z',
    });
    const after = applyEnvelopes(customerViewProjection, whileSuspended, [reactivated]);
    expect(after).toMatchObject({ status: 'ACTIVE', version: 4 });
    expect(after).not.toHaveProperty('suspensionReason');
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

  it('moves past an event type it does not know, so later events are not a gap', () => {
    const view = evolveCustomerView(undefined, registered);
    const later = evolveCustomerView(view, envelope(2, 'CustomerPhoneAdded', { phone: '1' }));
    expect(later).toEqual({ ...view, version: 2, lastUpdated: '2024-03-02T12:00:00.000Z' });
  });

  it('derives index keys: lower-cased email, its first character, date then id', () => {
    const view = evolveCustomerView(undefined, registered);
    expect(customerViewIndexKeys(view)).toEqual({
      emailLower: 'ann@example.com',
      emailBucket: 'a',
      statusSortKey: '2024-03-01T12:00:00.000Z#c-1',
    });
  });
});
