import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditViewSource, StoredViewItem } from '../../core/stream-types.js';
import { DynamoDBCustomerViewStore } from './dynamodb-customer-view-store.js';

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
  private readonly source: AuditViewSource;

  constructor(options: DynamoDBCustomerViewAuditSourceOptions) {
    this.source = new DynamoDBCustomerViewStore(options).auditSource();
  }

  idOf(item: StoredViewItem): string {
    return String(item.customerId);
  }

  get(customerId: string): Promise<StoredViewItem | undefined> {
    return this.source.get(customerId);
  }

  scan(options: { pageSize: number }): AsyncIterable<StoredViewItem[]> {
    return this.source.scan(options);
  }
}
