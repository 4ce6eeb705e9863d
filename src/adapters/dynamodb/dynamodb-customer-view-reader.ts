import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  CustomerViewPage,
  CustomerViewReader,
  CustomerViewRecord,
  PageRequest,
} from '../../app/customer-view-reader.js';
import {
  type CursorShape,
  decodeCursor,
  encodeCursor,
  type PageKey,
} from '../../app/page-cursor.js';
import type { CustomerStatus } from '../../domain/customer/index.js';
import { toCustomerView, toCustomerViewRecord } from './customer-view-item.js';
import { rethrowTransient } from './dynamodb-errors.js';
import { CUSTOMERS_BY_EMAIL_INDEX, CUSTOMERS_BY_STATUS_INDEX } from './table-definitions.js';

export interface DynamoDBCustomerViewReaderOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

type Item = Record<string, unknown>;

const STATUS_KEY = ['customerId', 'status', 'statusSortKey'] as const;
const EMAIL_KEY = ['customerId', 'emailBucket', 'emailLower'] as const;

const keyOf = (item: Item, attributes: readonly string[]): PageKey =>
  Object.fromEntries(attributes.map((name) => [name, String(item[name])]));

/** Reads the CustomerViews table: GetItem by id, Query on the status and email indexes. */
export class DynamoDBCustomerViewReader implements CustomerViewReader {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDBCustomerViewReaderOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async get(
    customerId: string,
    options: { consistent?: boolean } = {},
  ): Promise<CustomerViewRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { customerId },
          ConsistentRead: options.consistent === true,
        }),
      );
      return Item ? toCustomerViewRecord(Item) : undefined;
    } catch (error) {
      return rethrowTransient(error, 'GetItem');
    }
  }

  listByStatus(status: CustomerStatus, page: PageRequest): Promise<CustomerViewPage> {
    return this.queryPage(
      {
        IndexName: CUSTOMERS_BY_STATUS_INDEX,
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
      },
      STATUS_KEY,
      { fixed: { status } },
      page,
    );
  }

  searchByEmailPrefix(prefix: string, page: PageRequest): Promise<CustomerViewPage> {
    // The projector buckets by `emailLower.charAt(0)` (see app/customer-view.ts).
    const emailBucket = prefix.charAt(0);
    return this.queryPage(
      {
        IndexName: CUSTOMERS_BY_EMAIL_INDEX,
        KeyConditionExpression: 'emailBucket = :bucket AND begins_with(emailLower, :prefix)',
        ExpressionAttributeValues: { ':bucket': emailBucket, ':prefix': prefix },
      },
      EMAIL_KEY,
      { fixed: { emailBucket }, startsWith: { emailLower: prefix } },
      page,
    );
  }

  /**
   * Asks for one item more than the page, so a page that ends the results carries no cursor
   * (a plain `Limit` would hand out a cursor to an empty last page).
   */
  private async queryPage(
    input: Omit<QueryCommandInput, 'TableName'>,
    keyAttributes: readonly string[],
    shape: Omit<CursorShape, 'attributes'>,
    page: PageRequest,
  ): Promise<CustomerViewPage> {
    const startKey =
      page.cursor === undefined
        ? undefined
        : decodeCursor(page.cursor, { ...shape, attributes: keyAttributes });
    let result: { Items?: Item[]; LastEvaluatedKey?: Item };
    try {
      result = await this.client.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          Limit: page.limit + 1,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
    } catch (error) {
      return rethrowTransient(error, 'Query');
    }
    const found = result.Items ?? [];
    const items = found.slice(0, page.limit);
    const last = items.at(-1);
    // More than a page came back, or the 1 MB response limit cut the page short.
    const more = found.length > page.limit || result.LastEvaluatedKey !== undefined;
    const views = items.map(toCustomerView);
    if (!more || !last) return { items: views };
    return { items: views, nextCursor: encodeCursor(keyOf(last, keyAttributes)) };
  }
}
