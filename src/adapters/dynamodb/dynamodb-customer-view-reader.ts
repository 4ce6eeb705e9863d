import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  decodeDomainCursor,
  decodeEmailCursor,
  decodeExactEmailCursor,
  decodeStatusCursor,
  domainCursor,
  emailCursor,
  statusCursor,
} from '../../app/customer/customer-view-cursors.js';
import {
  domainShardKeys,
  emailShardKeys,
  exactEmailShardKey,
  exactEmailSortPrefix,
  splitEmailSortKey,
  statusShardKeys,
} from '../../app/customer/customer-view-keys.js';
import type {
  CustomerViewPage,
  CustomerViewReader,
  CustomerViewRecord,
  PageRequest,
} from '../../app/customer/customer-view-reader.js';
import { mergeShards, type ShardReader } from '../../app/sharded-merge.js';
import { ValidationError } from '../../core/errors.js';
import type { CustomerStatus } from '../../domain/customer/index.js';
import { toCustomerView, toCustomerViewRecord } from './customer-view-item.js';
import { rethrowTransient } from './dynamodb-errors.js';
import {
  CUSTOMERS_BY_EMAIL_DOMAIN_INDEX,
  CUSTOMERS_BY_EMAIL_INDEX,
  CUSTOMERS_BY_EMAIL_SHARD_INDEX,
  CUSTOMERS_BY_STATUS_INDEX,
  CUSTOMERS_BY_STATUS_SHARD_INDEX,
} from './table-definitions.js';

/** 1: the first deployment's indexes (`byStatus`, `byEmail`); 2: the write-sharded ones. */
export type ViewTableLayout = 1 | 2;

export interface DynamoDBCustomerViewReaderOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The table's index layout; found out from the table's first answer when absent. */
  layout?: ViewTableLayout;
}

type Item = Record<string, unknown>;

/** One index partition's range, read onward in batches. */
interface ShardQuery {
  indexName: string;
  partition: { name: string; value: string };
  sortKey: string;
  /** Only this sort key (a layout-1 exact search). */
  equals?: string;
  /** Only sort keys starting with this. */
  prefix?: string;
  /** Only sort keys after this one. */
  after?: string;
  /** Where a layout-1 query restarts (its sort keys are not unique: the table key decides). */
  startKey?: Item;
}

/** DynamoDB's answer to a query on an index the table lacks. */
const isMissingIndex = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ValidationException' &&
  /specified index/i.test((error as Error).message ?? '');

const customerIdOfStatusSortKey = (statusSortKey: string): string =>
  statusSortKey.slice(statusSortKey.lastIndexOf('#') + 1);

/** The sort key the merge orders email results by, in either layout. */
const emailSortKeyOfItem = (item: Item): string =>
  typeof item.emailSortKey === 'string'
    ? item.emailSortKey
    : `${String(item.emailLower)}#${String(item.customerId)}`;

/**
 * Reads the CustomerViews table: GetItem by id, Query on the indexes of the table's layout.
 * On layout 2 a list fans out over the shards of its key in parallel and merges them by the
 * (unique) sort key; on layout 1 it reads the one partition of its key.
 */
export class DynamoDBCustomerViewReader implements CustomerViewReader {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private layout: ViewTableLayout | undefined;

  constructor(options: DynamoDBCustomerViewReaderOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.layout = options.layout;
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

  async listByStatus(status: CustomerStatus, page: PageRequest): Promise<CustomerViewPage> {
    const after = page.cursor === undefined ? undefined : decodeStatusCursor(page.cursor, status);
    const sortKey = (item: Item) => String(item.statusSortKey);
    const cursorOf = (item: Item) => statusCursor(status, sortKey(item));
    return this.withLayout(async (layout) => {
      const shards: ShardQuery[] =
        layout === 2
          ? statusShardKeys(status).map((value) => ({
              indexName: CUSTOMERS_BY_STATUS_SHARD_INDEX,
              partition: { name: 'statusShard', value },
              sortKey: 'statusSortKey',
              ...(after === undefined ? {} : { after }),
            }))
          : [
              {
                indexName: CUSTOMERS_BY_STATUS_INDEX,
                partition: { name: 'status', value: status },
                sortKey: 'statusSortKey',
                ...(after === undefined
                  ? {}
                  : {
                      startKey: {
                        customerId: customerIdOfStatusSortKey(after),
                        status,
                        statusSortKey: after,
                      },
                    }),
              },
            ];
      return this.mergedPage(shards, sortKey, cursorOf, page.limit);
    });
  }

  async searchByEmailPrefix(prefix: string, page: PageRequest): Promise<CustomerViewPage> {
    const after = page.cursor === undefined ? undefined : decodeEmailCursor(page.cursor, prefix);
    const firstCharacter = prefix.charAt(0);
    return this.withLayout(async (layout) => {
      const shards =
        layout === 2
          ? emailShardKeys(firstCharacter).map((value) =>
              this.shardedEmailQuery(CUSTOMERS_BY_EMAIL_SHARD_INDEX, 'emailShard', value, {
                prefix,
                after,
              }),
            )
          : [this.unshardedEmailQuery(firstCharacter, { prefix }, after)];
      return this.mergedPage(
        shards,
        emailSortKeyOfItem,
        (item) => emailCursor(emailSortKeyOfItem(item)),
        page.limit,
      );
    });
  }

  async findByEmail(email: string, page: PageRequest): Promise<CustomerViewPage> {
    const after =
      page.cursor === undefined ? undefined : decodeExactEmailCursor(page.cursor, email);
    return this.withLayout(async (layout) => {
      const shards =
        layout === 2
          ? [
              this.shardedEmailQuery(
                CUSTOMERS_BY_EMAIL_SHARD_INDEX,
                'emailShard',
                exactEmailShardKey(email),
                { prefix: exactEmailSortPrefix(email), after },
              ),
            ]
          : [this.unshardedEmailQuery(email.charAt(0), { exact: email }, after)];
      return this.mergedPage(
        shards,
        emailSortKeyOfItem,
        (item) => emailCursor(emailSortKeyOfItem(item)),
        page.limit,
      );
    });
  }

  async listByEmailDomain(domain: string, page: PageRequest): Promise<CustomerViewPage> {
    const after = page.cursor === undefined ? undefined : decodeDomainCursor(page.cursor, domain);
    return this.withLayout(async (layout) => {
      if (layout === 1) {
        const message =
          'needs the read model in layout 2: rebuild it into a fresh table (docs/operations.md, "Views layout 2")';
        throw new ValidationError(`Invalid domain: ${message}`, {
          details: [{ field: 'domain', message }],
        });
      }
      const shards = domainShardKeys(domain).map((value) =>
        this.shardedEmailQuery(CUSTOMERS_BY_EMAIL_DOMAIN_INDEX, 'emailDomainShard', value, {
          after,
        }),
      );
      return this.mergedPage(
        shards,
        emailSortKeyOfItem,
        (item) => domainCursor(domain, emailSortKeyOfItem(item)),
        page.limit,
      );
    });
  }

  /**
   * Runs a list on the table's layout. Not yet known, it is tried as layout 2; a table
   * without those indexes is on layout 1, remembered for this reader's life.
   */
  private async withLayout<T>(run: (layout: ViewTableLayout) => Promise<T>): Promise<T> {
    if (this.layout !== undefined) return run(this.layout);
    try {
      const result = await run(2);
      this.layout = 2;
      return result;
    } catch (error) {
      if (!isMissingIndex(error)) throw error;
      this.layout = 1;
      return run(1);
    }
  }

  private shardedEmailQuery(
    indexName: string,
    partitionName: string,
    value: string,
    range: { prefix?: string; after: string | undefined },
  ): ShardQuery {
    return {
      indexName,
      partition: { name: partitionName, value },
      sortKey: 'emailSortKey',
      ...(range.prefix === undefined ? {} : { prefix: range.prefix }),
      ...(range.after === undefined ? {} : { after: range.after }),
    };
  }

  private unshardedEmailQuery(
    emailBucket: string,
    match: { prefix: string } | { exact: string },
    after: string | undefined,
  ): ShardQuery {
    const startKey = after === undefined ? undefined : splitEmailSortKey(after);
    return {
      indexName: CUSTOMERS_BY_EMAIL_INDEX,
      partition: { name: 'emailBucket', value: emailBucket },
      sortKey: 'emailLower',
      ...('exact' in match ? { equals: match.exact } : { prefix: match.prefix }),
      ...(startKey === undefined ? {} : { startKey: { ...startKey, emailBucket } }),
    };
  }

  /**
   * One page of the merge of `shards`: one item more than the page is merged, so a page that
   * ends the results carries no cursor (never a cursor to an empty page).
   */
  private async mergedPage(
    shards: readonly ShardQuery[],
    sortKey: (item: Item) => string,
    cursorOf: (item: Item) => string,
    limit: number,
  ): Promise<CustomerViewPage> {
    const merged = await mergeShards(
      shards.map((shard) => this.reader(shard)),
      sortKey,
      limit + 1,
    );
    const items = merged.slice(0, limit);
    const last = items.at(-1);
    const views = items.map(toCustomerView);
    if (merged.length <= limit || !last) return { items: views };
    return { items: views, nextCursor: cursorOf(last) };
  }

  /** Reads one shard onward, batch by batch, from where the query starts. */
  private reader(shard: ShardQuery): ShardReader<Item> {
    let startKey = shard.startKey;
    return async (limit) => {
      const names: Record<string, string> = { '#pk': shard.partition.name };
      const values: Record<string, unknown> = { ':pk': shard.partition.value };
      // A sharded list restarts after the cursor's sort key, a layout-1 one at its start key.
      const range =
        shard.equals !== undefined
          ? { term: '#sk = :range', value: shard.equals }
          : shard.after !== undefined && shard.startKey === undefined
            ? { term: '#sk > :range', value: shard.after }
            : shard.prefix !== undefined
              ? { term: 'begins_with(#sk, :range)', value: shard.prefix }
              : undefined;
      if (range) {
        names['#sk'] = shard.sortKey;
        values[':range'] = range.value;
      }
      const condition = range ? `#pk = :pk AND ${range.term}` : '#pk = :pk';
      let result: { Items?: Item[]; LastEvaluatedKey?: Item };
      try {
        result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: shard.indexName,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            Limit: limit,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      } catch (error) {
        return rethrowTransient(error, 'Query');
      }
      startKey = result.LastEvaluatedKey;
      const found = result.Items ?? [];
      // After a cursor the range has no upper end: it stops where sort keys leave the prefix.
      const { prefix } = shard;
      const items =
        prefix === undefined
          ? found
          : found.filter((item) => String(item[shard.sortKey]).startsWith(prefix));
      return { items, more: startKey !== undefined && items.length === found.length };
    };
  }
}
