import { type CustomerView, customerViewIndexKeys } from '../../app/customer-view.js';

/**
 * A CustomerViews item is the public view plus the attributes that only serve the indexes
 * (`emailLower`, `emailBucket`, `statusSortKey`). Every adapter of the table converts here.
 */
export const toCustomerViewItem = (view: CustomerView): Record<string, unknown> => ({
  ...toCustomerView({ ...view }),
  ...customerViewIndexKeys(view),
});

/** The public view: the item without the index attributes. */
export const toCustomerView = (item: Record<string, unknown>): CustomerView => ({
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
  ...(typeof item.suspensionReason === 'string' ? { suspensionReason: item.suspensionReason } : {}),
});
