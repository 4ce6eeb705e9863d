import type { EventStore } from '../../core/event-store.js';
import { applyEnvelopes } from '../../core/projection.js';
import {
  type AuditFinding,
  type AuditViewSource,
  differingFields,
  expectedItem,
  type StoredViewItem,
} from '../audit.js';
import { type CustomerViewRecord, customerViewProjection } from '../customer-view.js';

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

const INDEX_KEYS = ['emailLower', 'emailBucket', 'statusSortKey'];

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
  const streamVersion = events.at(-1)?.version ?? 0;
  const view =
    stored && Object.fromEntries(Object.entries(stored).filter(([k]) => !INDEX_KEYS.includes(k)));
  const base = { customerId, view, streamVersion };
  let folded: CustomerViewRecord | undefined;
  try {
    folded = applyEnvelopes(customerViewProjection, undefined, events);
  } catch (error) {
    return {
      ...base,
      finding: 'unprojectable',
      fold: undefined,
      fields: [],
      error: error instanceof Error ? error.message : String(error),
    };
  }
  if (!folded) return { ...base, finding: stored ? 'orphan' : 'ok', fold: undefined, fields: [] };
  if (!stored) return { ...base, finding: 'missing', fold: { ...folded }, fields: [] };
  const fields = differingFields(expectedItem(folded, sources.views.storesIndexKeys), stored);
  const actualVersion = typeof stored.version === 'number' ? stored.version : undefined;
  const expectedVersion = folded.version;
  const finding: AuditFinding =
    actualVersion === undefined || actualVersion < expectedVersion
      ? 'behind'
      : actualVersion > expectedVersion
        ? 'ahead'
        : fields.length > 0
          ? 'different'
          : 'ok';
  return { ...base, finding, fold: { ...folded }, fields };
};
