import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CustomerViewRecord } from '../../app/customer/customer-view.js';
import { toCustomerViewItem, toCustomerViewRecord, upcastViewItem } from './customer-view-item.js';
import { DynamoDBViewStore } from './dynamodb-view-store.js';

export interface DynamoDBCustomerViewStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * The Customer read model on DynamoDB: one item per customer, written conditionally, with
 * the index attributes of both layouts beside the view's fields.
 */
export class DynamoDBCustomerViewStore extends DynamoDBViewStore<CustomerViewRecord> {
  constructor(options: DynamoDBCustomerViewStoreOptions) {
    super({
      ...options,
      keyName: 'customerId',
      storesIndexKeys: true,
      mapping: {
        toItem: toCustomerViewItem,
        fromItem: toCustomerViewRecord,
        readItem: upcastViewItem,
      },
    });
  }
}
