import { type EventVersionRegistry, firstVersion } from '../../core/upcasting.js';
import type { CustomerEvent } from './events.js';

type DataOf<Type extends CustomerEvent['type']> = Extract<CustomerEvent, { type: Type }>['data'];

/** `CustomerSuspended` v1: a free-text reason. */
export interface CustomerSuspendedV1 {
  reason: string;
}

/** v1 → v2: a free-text reason becomes the note of an `OTHER` suspension. */
export const suspensionReasonAsNote = (v1: CustomerSuspendedV1): DataOf<'CustomerSuspended'> => ({
  reasonCode: 'OTHER',
  note: v1.reason,
});

/**
 * The step to the version whose PII fields (`email`, `name`, `oldEmail`, `newEmail`, `note`)
 * are written encrypted with the customer's data key. Decryption needs keys and I/O, so it
 * happens before upcasting (see `core/event-codec.ts`); once decrypted, the data has the
 * shape it had, and this step changes nothing. The new number keeps an older deployment
 * from folding ciphertext as if it were an email: it refuses the version instead.
 */
export const piiEncrypted = <Data>(data: Data): Data => data;

/**
 * Every version of every Customer event, in one place. To change an event, add a `.next`
 * step to its chain (see docs/changing-events.md); the chain's last shape must be the one
 * in `events.ts`, which the compiler checks.
 */
export const customerEventVersions = {
  CustomerRegistered: firstVersion<DataOf<'CustomerRegistered'>>().next(piiEncrypted),
  CustomerEmailUpdated: firstVersion<DataOf<'CustomerEmailUpdated'>>().next(piiEncrypted),
  CustomerSuspended: firstVersion<CustomerSuspendedV1>()
    .next(suspensionReasonAsNote)
    .next(piiEncrypted),
  CustomerReactivated: firstVersion<DataOf<'CustomerReactivated'>>(),
  CustomerForgotten: firstVersion<DataOf<'CustomerForgotten'>>(),
} satisfies EventVersionRegistry<CustomerEvent>;
