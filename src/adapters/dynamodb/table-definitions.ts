/**
 * The one source of truth for keys and indexes, used by the CDK stack and by local table
 * creation alike. Plain data, so neither side depends on the other's library.
 */
import { CHANGE_BUCKET_ATTRIBUTE, CHANGE_INDEX } from './event-store-keys.js';

export type AttributeType = 'S' | 'N';

export interface KeyDefinition {
  name: string;
  type: AttributeType;
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
  /** Attributes copied into the index besides the keys; `ALL` when absent. */
  projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
  globalSecondaryIndexes: IndexDefinition[];
  stream?: 'NEW_IMAGE';
  timeToLiveAttribute?: string;
}

/**
 * Events, snapshots, idempotency records and unique claims: see `event-store-keys.ts`. The
 * change index (`byChange`, sparse: only event items carry its key) serves the reconciler.
 */
export const eventStoreTable: TableDefinition = {
  partitionKey: { name: 'PK', type: 'S' },
  sortKey: { name: 'SK', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: CHANGE_INDEX,
      partitionKey: { name: CHANGE_BUCKET_ATTRIBUTE, type: 'S' },
      sortKey: { name: 'timestamp', type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
  stream: 'NEW_IMAGE',
  timeToLiveAttribute: 'expiresAt',
};

export const CUSTOMERS_BY_STATUS_INDEX = 'byStatus';
export const CUSTOMERS_BY_EMAIL_INDEX = 'byEmail';

/** One item per customer; indexes serve "active customers" and email search. */
export const customerViewsTable: TableDefinition = {
  partitionKey: { name: 'customerId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: CUSTOMERS_BY_STATUS_INDEX,
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'statusSortKey', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: CUSTOMERS_BY_EMAIL_INDEX,
      partitionKey: { name: 'emailBucket', type: 'S' },
      sortKey: { name: 'emailLower', type: 'S' },
      projection: 'ALL',
    },
  ],
};
