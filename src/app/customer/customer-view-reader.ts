import type { CustomerStatus } from '../../domain/customer/index.js';
import type { CustomerView, CustomerViewRecord } from './customer-view.js';

export type { CustomerView, CustomerViewRecord };

export interface PageRequest {
  /** Exact page size; the caller has already checked its bounds. */
  limit: number;
  /** Opaque cursor from a previous page; a malformed one is a `ValidationError` on `cursor`. */
  cursor?: string;
}

export interface CustomerViewPage {
  items: CustomerView[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** The read model as the query side sees it. */
export interface CustomerViewReader {
  /** `consistent` asks for a strongly consistent read, as a read-your-writes wait needs. */
  /** A forgotten customer's tombstone is returned as such; the caller answers "gone". */
  get(
    customerId: string,
    options?: { consistent?: boolean },
  ): Promise<CustomerViewRecord | undefined>;
  /** Customers with this status, oldest registration first. */
  listByStatus(status: CustomerStatus, page: PageRequest): Promise<CustomerViewPage>;
  /**
   * Customers whose lower-cased email starts with `prefix` (already trimmed and lower-cased),
   * in email order.
   */
  searchByEmailPrefix(prefix: string, page: PageRequest): Promise<CustomerViewPage>;
  /** Customers with exactly this address (normalised); more than one only while views lag. */
  findByEmail(email: string, page: PageRequest): Promise<CustomerViewPage>;
  /** Customers whose address is at exactly this domain (lower-cased), in email order. */
  listByEmailDomain(domain: string, page: PageRequest): Promise<CustomerViewPage>;
}
