import { type DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditViewSource, StoredViewItem } from '../../core/stream-types.js';
import { upcastViewItem } from './customer-view-item.js';
import { rethrowTransient } from './dynamodb-errors.js';

export interface DynamoDBCustomerViewAuditSourceOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * The CustomerViews table as the audit reads it: whole items (index keys included), read
 * consistently, and a paged scan whose pages hold at most `pageSize` items.
 */
export class DynamoDBCustomerViewAuditSource implements AuditViewSource {
  readonly storesIndexKeys = true;
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDBCustomerViewAuditSourceOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  idOf(item: StoredViewItem): string {
    return String(item.customerId);
  }

  async get(customerId: string): Promise<StoredViewItem | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { customerId }, ConsistentRead: true }),
      );
      return Item && upcastViewItem(Item);
    } catch (error) {
      return rethrowTransient(error, 'GetItem');
    }
  }

  async *scan(options: { pageSize: number }): AsyncIterable<StoredViewItem[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      let page: { Items?: StoredViewItem[]; LastEvaluatedKey?: Record<string, unknown> };
      try {
        page = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            Limit: options.pageSize,
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      } catch (error) {
        return rethrowTransient(error, 'Scan');
      }
      if (page.Items && page.Items.length > 0) yield page.Items.map(upcastViewItem);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
