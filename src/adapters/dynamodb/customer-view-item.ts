import {
  type CustomerView,
  type CustomerViewRecord,
  type ForgottenCustomerView,
  isForgottenView,
} from '../../app/customer/customer-view.js';
import { customerViewIndexKeys } from '../../app/customer/customer-view-keys.js';

/**
 * A CustomerViews item is the public view plus the attributes that only serve the indexes,
 * those of both layouts (`app/customer/customer-view-keys.ts`): a table on either layout answers
 * from the same items. Every adapter of the table converts here.
 */
export const toCustomerViewItem = (view: CustomerViewRecord): Record<string, unknown> =>
  isForgottenView(view)
    ? // No email, name or index key: the tombstone leaves both indexes.
      { ...toForgottenView({ ...view }) }
    : { ...toCustomerView({ ...view }), ...customerViewIndexKeys(view) };

const toForgottenView = (item: Record<string, unknown>): ForgottenCustomerView => ({
  customerId: item.customerId as string,
  status: 'FORGOTTEN',
  version: item.version as number,
  lastUpdated: item.lastUpdated as string,
});

/** A stored item as a view, or as the tombstone of a forgotten customer. */
export const toCustomerViewRecord = (item: Record<string, unknown>): CustomerViewRecord =>
  item.status === 'FORGOTTEN' ? toForgottenView(item) : toCustomerView(item);

/**
 * An item as the current code writes it. Views written before suspension reasons became
 * codes hold only `suspensionReason`: read, as the event upcaster reads their events, as
 * an `OTHER` suspension with that note, so queries, the projector and the audit agree on
 * them without a migration (a rebuild would not rewrite them: their version is current).
 */
export const upcastViewItem = (item: Record<string, unknown>): Record<string, unknown> =>
  item.status === 'SUSPENDED' && item.suspensionReasonCode === undefined
    ? { ...item, suspensionReasonCode: 'OTHER' }
    : item;

/** The public view: the item without the index attributes. */
export const toCustomerView = (stored: Record<string, unknown>): CustomerView => {
  const item = upcastViewItem(stored);
  return {
    customerId: item.customerId as string,
    email: item.email as string,
    name: item.name as string,
    status: item.status as CustomerView['status'],
    registrationDate: item.registrationDate as string,
    lastUpdated: item.lastUpdated as string,
    version: item.version as number,
    ...(typeof item.suspensionReasonCode === 'string'
      ? { suspensionReasonCode: item.suspensionReasonCode as CustomerView['suspensionReasonCode'] }
      : {}),
    ...(typeof item.suspensionReason === 'string'
      ? { suspensionReason: item.suspensionReason }
      : {}),
  };
};
