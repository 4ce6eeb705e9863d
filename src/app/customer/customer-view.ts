import type { EventEnvelope } from '../../core/event.js';
import { FORGOTTEN_MARKER } from '../../core/event-codec.js';
import type { Projection } from '../../core/projection.js';
import {
  CustomerEvent,
  type CustomerStatus,
  type SuspensionReasonCode,
} from '../../domain/customer/index.js';
import { customerEventUpcaster } from './customer-events.js';

/** One customer as the query side serves it. */
export interface CustomerView {
  customerId: string;
  email: string;
  name: string;
  status: CustomerStatus;
  /** Timestamp of `CustomerRegistered`. */
  registrationDate: string;
  /** Timestamp of the latest applied event. */
  lastUpdated: string;
  /** Version of the latest applied event. */
  version: number;
  /** Only while SUSPENDED. */
  suspensionReasonCode?: SuspensionReasonCode;
  /** The suspension's note, only while SUSPENDED and when it has one (the seed's field name). */
  suspensionReason?: string;
}

/**
 * What stays of a forgotten customer in the read model: no email, name or note, so it is in
 * neither index. It is kept, not deleted, because views only move forward: a late
 * notification, a rebuild or a replay folds the stream to this again and never brings the
 * customer back.
 */
export interface ForgottenCustomerView {
  customerId: string;
  status: 'FORGOTTEN';
  version: number;
  lastUpdated: string;
}

/** A stored view: a customer, or the tombstone of a forgotten one. */
export type CustomerViewRecord = CustomerView | ForgottenCustomerView;

export const isForgottenView = (
  view: CustomerViewRecord | undefined,
): view is ForgottenCustomerView => view?.status === 'FORGOTTEN';

/** An event the view cannot take: a malformed payload or one before the registration. */
export class CustomerViewProjectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CustomerViewProjectionError';
  }
}

const assertNever = (value: never): never => {
  throw new CustomerViewProjectionError(`Unhandled event ${JSON.stringify(value)}`);
};

/**
 * The event in its latest shape, checked. A type or version this code does not know throws
 * (an `EventSchemaError`): the message goes to the dead-letter queue, it is never skipped.
 */
const parseEvent = (envelope: EventEnvelope): CustomerEvent => {
  const event = customerEventUpcaster.toEvent(envelope);
  const parsed = CustomerEvent.safeParse(event);
  if (!parsed.success) {
    throw new CustomerViewProjectionError(
      `Event ${envelope.eventId} (${envelope.eventType} v${envelope.version} of ${envelope.aggregateId}) is malformed`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
};

const withoutSuspension = (view: CustomerView): CustomerView => {
  const { suspensionReasonCode: _code, suspensionReason: _note, ...rest } = view;
  return rest;
};

/**
 * An email that reads as the marker: the customer's key is gone, which happens only after
 * `CustomerForgotten` was recorded. A notification of an earlier event that arrives late
 * then folds to the tombstone at once instead of a view of markers. No real email is the
 * marker (it is not an address); a name or note could be, so only emails are looked at.
 */
const readsAsForgotten = (event: CustomerEvent): boolean =>
  (event.type === 'CustomerRegistered' && event.data.email === FORGOTTEN_MARKER) ||
  (event.type === 'CustomerEmailUpdated' && event.data.newEmail === FORGOTTEN_MARKER);

/** The view after one more event; callers guarantee it is the next one (see core/projection). */
export const evolveCustomerView = (
  view: CustomerViewRecord | undefined,
  envelope: EventEnvelope,
): CustomerViewRecord => {
  const stamp = { version: envelope.version, lastUpdated: envelope.timestamp };
  // Events after the erasure (there are none today) leave the tombstone a tombstone.
  if (isForgottenView(view)) return { ...view, ...stamp };
  const event = parseEvent(envelope);
  if (event.type === 'CustomerForgotten' || readsAsForgotten(event)) {
    return { customerId: envelope.aggregateId, status: 'FORGOTTEN', ...stamp };
  }
  if (event.type === 'CustomerRegistered') {
    // A stream registers once; should one come again, the view keeps what it knows.
    if (view) return { ...view, ...stamp };
    return {
      customerId: envelope.aggregateId,
      email: event.data.email,
      name: event.data.name,
      status: 'ACTIVE',
      registrationDate: envelope.timestamp,
      ...stamp,
    };
  }
  if (!view) {
    throw new CustomerViewProjectionError(
      `${event.type} v${envelope.version} of ${envelope.aggregateId} precedes its registration`,
    );
  }
  switch (event.type) {
    case 'CustomerEmailUpdated':
      return { ...view, ...stamp, email: event.data.newEmail };
    case 'CustomerSuspended':
      return {
        ...withoutSuspension(view),
        ...stamp,
        status: 'SUSPENDED',
        suspensionReasonCode: event.data.reasonCode,
        ...(event.data.note === undefined ? {} : { suspensionReason: event.data.note }),
      };
    case 'CustomerReactivated': {
      const rest = withoutSuspension(view);
      return { ...rest, ...stamp, status: 'ACTIVE' };
    }
    default:
      return assertNever(event);
  }
};

export const customerViewProjection: Projection<CustomerViewRecord> = {
  evolve: evolveCustomerView,
};
