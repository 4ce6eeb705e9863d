import { customerViewIndexKeys } from '../../app/customer-view.js';
import type {
  CustomerView,
  CustomerViewPage,
  CustomerViewReader,
  PageRequest,
} from '../../app/customer-view-reader.js';
import { decodeCursor, encodeCursor, type PageKey } from '../../app/page-cursor.js';
import type { CustomerStatus } from '../../domain/customer/index.js';

interface IndexSpec {
  partition: string;
  sort: string;
  sortOf(view: CustomerView): string;
  partitionOf(view: CustomerView): string;
}

const byStatus: IndexSpec = {
  partition: 'status',
  sort: 'statusSortKey',
  partitionOf: (view) => view.status,
  sortOf: (view) => customerViewIndexKeys(view).statusSortKey,
};

const byEmail: IndexSpec = {
  partition: 'emailBucket',
  sort: 'emailLower',
  partitionOf: (view) => customerViewIndexKeys(view).emailBucket,
  sortOf: (view) => customerViewIndexKeys(view).emailLower,
};

/** Orders like a GSI: by sort key, ties by the table's key, which every page key carries. */
const compare = (a: [string, string], b: [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/** The read model in a map, paging the way the DynamoDB indexes do; for unit tests. */
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
    return this.query(byStatus, status, () => true, {}, page);
  }

  async searchByEmailPrefix(prefix: string, page: PageRequest): Promise<CustomerViewPage> {
    const matches = (v: CustomerView) => byEmail.sortOf(v).startsWith(prefix);
    return this.query(byEmail, prefix.charAt(0), matches, { emailLower: prefix }, page);
  }

  private query(
    index: IndexSpec,
    partitionValue: string,
    matches: (view: CustomerView) => boolean,
    startsWith: PageKey,
    page: PageRequest,
  ): CustomerViewPage {
    const position = (v: CustomerView): [string, string] => [index.sortOf(v), v.customerId];
    const after =
      page.cursor === undefined
        ? undefined
        : decodeCursor(page.cursor, {
            attributes: ['customerId', index.partition, index.sort],
            fixed: { [index.partition]: partitionValue },
            startsWith,
          });
    const start: [string, string] | undefined = after && [
      after[index.sort] ?? '',
      after.customerId ?? '',
    ];
    const hits = [...this.views.values()]
      .filter((v) => index.partitionOf(v) === partitionValue && matches(v))
      .filter((v) => start === undefined || compare(position(v), start) > 0)
      .sort((a, b) => compare(position(a), position(b)));
    const items = hits.slice(0, page.limit).map((v) => structuredClone(v));
    const last = items.at(-1);
    if (hits.length <= page.limit || !last) return { items };
    const key: PageKey = {
      customerId: last.customerId,
      [index.partition]: partitionValue,
      [index.sort]: index.sortOf(last),
    };
    return { items, nextCursor: encodeCursor(key) };
  }
}
