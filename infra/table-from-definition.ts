import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { KeyDefinition, TableDefinition } from '../src/adapters/dynamodb/table-definitions.js';
import type { AutoScaledUnits, ProvisionedTableCapacity } from './stack-sizing.js';

const attribute = (key: KeyDefinition): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
});

export interface TableFromDefinitionProps {
  /** Keep the table (and refuse deletion) when the stack goes away. */
  retain: boolean;
  /** Warm throughput of the table and of each of its indexes. */
  warmThroughput?: { table: dynamodb.WarmThroughput; indexes: dynamodb.WarmThroughput };
  /** Provisioned capacity, auto scaled on utilisation; absent: billed per request. */
  provisioned?: { targetUtilizationPercent: number; capacity: ProvisionedTableCapacity };
}

/** Starts at the minimum: auto scaling raises it from there. */
const initialUnits = (units: AutoScaledUnits) => ({
  readCapacity: units.read.min,
  writeCapacity: units.write.min,
});

/** Target tracking on both kinds of unit of a table or index. */
const scaleOnUtilization = (
  units: AutoScaledUnits,
  targetUtilizationPercent: number,
  scalers: {
    read: (range: dynamodb.EnableScalingProps) => dynamodb.IScalableTableAttribute;
    write: (range: dynamodb.EnableScalingProps) => dynamodb.IScalableTableAttribute;
  },
) => {
  for (const kind of ['read', 'write'] as const) {
    const { min, max } = units[kind];
    scalers[kind]({ minCapacity: min, maxCapacity: max }).scaleOnUtilization({
      targetUtilizationPercent,
    });
  }
};

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
  const { provisioned } = props;
  const table = new dynamodb.Table(scope, id, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
    ...(provisioned
      ? {
          billingMode: dynamodb.BillingMode.PROVISIONED,
          ...initialUnits(provisioned.capacity.table),
        }
      : { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }),
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
      ...(provisioned ? initialUnits(provisioned.capacity.indexes) : {}),
      ...(props.warmThroughput ? { warmThroughput: props.warmThroughput.indexes } : {}),
    });
    if (provisioned) {
      scaleOnUtilization(provisioned.capacity.indexes, provisioned.targetUtilizationPercent, {
        read: (range) => table.autoScaleGlobalSecondaryIndexReadCapacity(index.indexName, range),
        write: (range) => table.autoScaleGlobalSecondaryIndexWriteCapacity(index.indexName, range),
      });
    }
  }
  if (provisioned) {
    scaleOnUtilization(provisioned.capacity.table, provisioned.targetUtilizationPercent, {
      read: (range) => table.autoScaleReadCapacity(range),
      write: (range) => table.autoScaleWriteCapacity(range),
    });
  }
  return table;
};
