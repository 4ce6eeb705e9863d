import type { CustomerView } from '../../src/app/customer-view-reader.js';

/**
 * The CustomerViews item exactly as the projector writes it (the read-model contract),
 * spelled out here rather than borrowed from the projector, so the query side's tests pin
 * the layout down independently.
 */
export const viewItem = (view: CustomerView) => {
  const emailLower = view.email.trim().toLowerCase();
  return {
    ...view,
    emailLower,
    emailBucket: emailLower.charAt(0),
    statusSortKey: `${view.registrationDate}#${view.customerId}`,
  };
};
