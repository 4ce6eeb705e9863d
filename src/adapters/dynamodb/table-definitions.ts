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
  /**
   * The index sets of earlier layouts whose items lack this layout's index keys. A table
   * found on one of them is left as it is (adding the new indexes would leave them empty of
   * every old item); a blue/green rebuild into a fresh table moves it on.
   */
  earlierLayouts?: readonly (readonly IndexDefinition[])[];
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

/** Layout 1 (the first deployment's): one partition per status, one per first character. */
export const CUSTOMERS_BY_STATUS_INDEX = 'byStatus';
export const CUSTOMERS_BY_EMAIL_INDEX = 'byEmail';
/** Layout 2: every key write-sharded (`app/customer/customer-view-keys.ts`). */
export const CUSTOMERS_BY_STATUS_SHARD_INDEX = 'byStatusShard';
export const CUSTOMERS_BY_EMAIL_SHARD_INDEX = 'byEmailShard';
export const CUSTOMERS_BY_EMAIL_DOMAIN_INDEX = 'byEmailDomain';

const unshardedViewIndexes: IndexDefinition[] = [
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
];

/**
 * The views table as the first deployment made it. Its items keep being written with these
 * keys too, so a table on this layout keeps answering; a stack deployed before layout 2 keeps
 * its own table on it (`-c viewsLayout=1`, docs/deploy.md).
 */
export const customerViewsTableLayout1: TableDefinition = {
  partitionKey: { name: 'customerId', type: 'S' },
  globalSecondaryIndexes: unshardedViewIndexes,
};

/**
 * One item per customer; write-sharded indexes serve the status lists, email search and
 * the domain list with no key above 500 writes/s at 10,000 commands/s.
 */
export const customerViewsTable: TableDefinition = {
  partitionKey: { name: 'customerId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: CUSTOMERS_BY_STATUS_SHARD_INDEX,
      partitionKey: { name: 'statusShard', type: 'S' },
      sortKey: { name: 'statusSortKey', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: CUSTOMERS_BY_EMAIL_SHARD_INDEX,
      partitionKey: { name: 'emailShard', type: 'S' },
      sortKey: { name: 'emailSortKey', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: CUSTOMERS_BY_EMAIL_DOMAIN_INDEX,
      partitionKey: { name: 'emailDomainShard', type: 'S' },
      sortKey: { name: 'emailSortKey', type: 'S' },
      projection: 'ALL',
    },
  ],
  earlierLayouts: [unshardedViewIndexes],
};

/** Every index a views table of either layout may have: a reader's grants name them all. */
export const CUSTOMER_VIEW_INDEXES: readonly string[] = [
  CUSTOMERS_BY_STATUS_INDEX,
  CUSTOMERS_BY_EMAIL_INDEX,
  CUSTOMERS_BY_STATUS_SHARD_INDEX,
  CUSTOMERS_BY_EMAIL_SHARD_INDEX,
  CUSTOMERS_BY_EMAIL_DOMAIN_INDEX,
];
