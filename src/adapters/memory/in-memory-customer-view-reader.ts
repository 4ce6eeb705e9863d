import {
  decodeDomainCursor,
  decodeEmailCursor,
  decodeExactEmailCursor,
  decodeStatusCursor,
  domainCursor,
  emailCursor,
  statusCursor,
} from '../../app/customer/customer-view-cursors.js';
import { customerViewIndexKeys, emailDomain } from '../../app/customer/customer-view-keys.js';
import type {
  CustomerView,
  CustomerViewPage,
  CustomerViewReader,
  PageRequest,
} from '../../app/customer/customer-view-reader.js';
import type { CustomerStatus } from '../../domain/customer/index.js';

/**
 * The read model in a map, ordered and paged the way the DynamoDB indexes are, with the same
 * keys and cursors (`app/customer/customer-view-keys.ts`); for unit tests.
 */
export class InMemoryCustomerViewReader implements CustomerViewReader {
  private readonly views = new Map<string, CustomerView>();

  /** Stands in for the projector. */
  put(view: CustomerView): void {
    this.views.set(view.customerId, structuredClone(view));
  }

  async get(customerId: string): Promise<CustomerView | undefined> {
    const view = this.views.get(customerId);
    return view && structuredClone(view);
  }

  async listByStatus(status: CustomerStatus, page: PageRequest): Promise<CustomerViewPage> {
    const after = page.cursor === undefined ? undefined : decodeStatusCursor(page.cursor, status);
    return this.page(
      (v) => v.status === status,
      (v) => customerViewIndexKeys(v).statusSortKey,
      (key) => statusCursor(status, key),
      after,
      page.limit,
    );
  }

  async searchByEmailPrefix(prefix: string, page: PageRequest): Promise<CustomerViewPage> {
    const after = page.cursor === undefined ? undefined : decodeEmailCursor(page.cursor, prefix);
    return this.byEmail((emailLower) => emailLower.startsWith(prefix), emailCursor, after, page);
  }

  async findByEmail(email: string, page: PageRequest): Promise<CustomerViewPage> {
    const after =
      page.cursor === undefined ? undefined : decodeExactEmailCursor(page.cursor, email);
    return this.byEmail((emailLower) => emailLower === email, emailCursor, after, page);
  }

  async listByEmailDomain(domain: string, page: PageRequest): Promise<CustomerViewPage> {
    const after = page.cursor === undefined ? undefined : decodeDomainCursor(page.cursor, domain);
    return this.byEmail(
      (emailLower) => emailDomain(emailLower) === domain,
      (key) => domainCursor(domain, key),
      after,
      page,
    );
  }

  private byEmail(
    matches: (emailLower: string) => boolean,
    cursorOf: (sortKey: string) => string,
    after: string | undefined,
    page: PageRequest,
  ): CustomerViewPage {
    return this.page(
      (v) => matches(customerViewIndexKeys(v).emailLower),
      (v) => customerViewIndexKeys(v).emailSortKey,
      cursorOf,
      after,
      page.limit,
    );
  }

  private page(
    matches: (view: CustomerView) => boolean,
    sortKey: (view: CustomerView) => string,
    cursorOf: (sortKey: string) => string,
    after: string | undefined,
    limit: number,
  ): CustomerViewPage {
    const hits = [...this.views.values()]
      .filter((v) => matches(v) && (after === undefined || sortKey(v) > after))
      .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    const items = hits.slice(0, limit).map((v) => structuredClone(v));
    const last = items.at(-1);
    if (hits.length <= limit || !last) return { items };
    return { items, nextCursor: cursorOf(sortKey(last)) };
  }
}
