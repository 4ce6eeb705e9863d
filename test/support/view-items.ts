import { customerViewIndexKeys } from '../../src/app/customer/customer-view-keys.js';
import type { CustomerView } from '../../src/app/customer/customer-view-reader.js';

/**
 * The CustomerViews item exactly as the first deployment's projector wrote it (layout 1),
 * spelled out here rather than borrowed from the projector, so the query side's tests pin
 * that layout down independently: old tables hold such items.
 */
export const unshardedViewItem = (view: CustomerView) => {
  const emailLower = view.email.trim().toLowerCase();
  return {
    ...view,
    emailLower,
    emailBucket: emailLower.charAt(0),
    statusSortKey: `${view.registrationDate}#${view.customerId}`,
  };
};

/**
 * The item as the projector writes it today: layout 1's keys and layout 2's write-sharded
 * ones (whose values `src/app/customer/customer-view-keys.test.ts` pins down).
 */
export const viewItem = (view: CustomerView) => ({
  ...unshardedViewItem(view),
  ...customerViewIndexKeys(view),
});
