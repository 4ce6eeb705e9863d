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
 * Every version of every Customer event, in one place. To change an event, add a `.next`
 * step to its chain (see docs/changing-events.md); the chain's last shape must be the one
 * in `events.ts`, which the compiler checks.
 */
export const customerEventVersions = {
  CustomerRegistered: firstVersion<DataOf<'CustomerRegistered'>>(),
  CustomerEmailUpdated: firstVersion<DataOf<'CustomerEmailUpdated'>>(),
  CustomerSuspended: firstVersion<CustomerSuspendedV1>().next(suspensionReasonAsNote),
  CustomerReactivated: firstVersion<DataOf<'CustomerReactivated'>>(),
} satisfies EventVersionRegistry<CustomerEvent>;
