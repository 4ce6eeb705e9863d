import type { EventStore } from '../../core/event-store.js';
import {
  type AuditFinding,
  type AuditViewSource,
  compareWithStream,
  type StoredViewItem,
} from '../audit.js';
import { customerStoredItem } from '../customer/audit-customer-view.js';
import { customerViewProjection } from '../customer/customer-view.js';
import { INDEX_KEY_ATTRIBUTES } from '../customer/customer-view-keys.js';

export interface CustomerAudit {
  customerId: string;
  finding: AuditFinding;
  /** The view a correct projector would hold: the fold of the stream. */
  fold: StoredViewItem | undefined;
  /** The view the read model holds. */
  view: StoredViewItem | undefined;
  /** Fields whose stored value differs from the fold's. */
  fields: string[];
  streamVersion: number;
  /** Why the stream does not fold (`unprojectable` only). */
  error?: string;
}

/**
 * The audit of one customer: its stream folded as the projector folds it, beside the stored
 * view, with the differing fields named. The same comparison as `auditViews`, for one id.
 */
export const auditCustomer = async (
  customerId: string,
  sources: { events: Pick<EventStore, 'readStream'>; views: AuditViewSource },
): Promise<CustomerAudit> => {
  const [events, stored] = await Promise.all([
    sources.events.readStream(customerId),
    sources.views.get(customerId),
  ]);
  const { finding, expected, fields, error } = compareWithStream(events, stored, {
    projection: customerViewProjection,
    storedItem: customerStoredItem(sources.views.storesIndexKeys ?? false),
  });
  return {
    customerId,
    finding,
    fold: expected && { ...expected },
    view:
      stored &&
      Object.fromEntries(Object.entries(stored).filter(([k]) => !INDEX_KEY_ATTRIBUTES.includes(k))),
    fields,
    streamVersion: events.at(-1)?.version ?? 0,
    ...(error === undefined ? {} : { error }),
  };
};
