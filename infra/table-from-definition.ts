import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { KeyDefinition, TableDefinition } from '../src/adapters/dynamodb/table-definitions.js';

const attribute = (key: KeyDefinition): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
});

export interface TableFromDefinitionProps {
  /** Keep the table (and refuse deletion) when the stack goes away. */
  retain: boolean;
  /** Warm throughput of the table and of each of its indexes. */
  warmThroughput?: { table: dynamodb.WarmThroughput; indexes: dynamodb.WarmThroughput };
}

/**
 * Builds a table from the definition the local runtime also creates its tables from, so
 * keys and indexes cannot drift between the two worlds.
 */
export const tableFromDefinition = (
  scope: Construct,
  id: string,
  definition: TableDefinition,
  props: TableFromDefinitionProps,
): dynamodb.Table => {
  const table = new dynamodb.Table(scope, id, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    ...(definition.stream === 'NEW_IMAGE' ? { stream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
    ...(definition.timeToLiveAttribute
      ? { timeToLiveAttribute: definition.timeToLiveAttribute }
      : {}),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: props.retain,
    removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    ...(props.warmThroughput ? { warmThroughput: props.warmThroughput.table } : {}),
  });
  for (const index of definition.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
      projectionType:
        index.projection === 'KEYS_ONLY'
          ? dynamodb.ProjectionType.KEYS_ONLY
          : dynamodb.ProjectionType.ALL,
      ...(props.warmThroughput ? { warmThroughput: props.warmThroughput.indexes } : {}),
    });
  }
  return table;
};
