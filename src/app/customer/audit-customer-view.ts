import type { StoredViewItem } from '../../core/stream-types.js';
import { type CustomerViewRecord, isForgottenView } from './customer-view.js';
import {
  customerViewIndexKeys,
  SHARDED_KEY_ATTRIBUTES,
  unshardedViewKeys,
} from './customer-view-keys.js';

/**
 * The item a correct Customer projector would have stored for this view. `layout` 1 is the
 * first deployment's item, with only that layout's index keys.
 */
export const expectedCustomerItem = (
  view: CustomerViewRecord,
  withIndexKeys: boolean,
  layout: 1 | 2 = 2,
): StoredViewItem => {
  // A forgotten customer's tombstone is in no index, so it has no index keys.
  if (!withIndexKeys || isForgottenView(view)) return { ...view };
  const keys = customerViewIndexKeys(view);
  return { ...view, ...(layout === 1 ? unshardedViewKeys(keys) : keys) };
};

/**
 * Items written before layout 2 carry none of its keys, and are correct as the first
 * deployment wrote them: they are compared with that item (a rebuild moves them on).
 */
const layoutOfItem = (item: StoredViewItem): 1 | 2 =>
  SHARDED_KEY_ATTRIBUTES.some((name) => name in item) ? 2 : 1;

/**
 * The Customer read model's `storedItem`: where the store keeps index keys beside the view,
 * drift in them (which would hide a customer from a search) is a difference too.
 */
export const customerStoredItem =
  (withIndexKeys: boolean) =>
  (view: CustomerViewRecord, found: StoredViewItem | undefined): StoredViewItem =>
    expectedCustomerItem(view, withIndexKeys, found ? layoutOfItem(found) : 2);
