import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { TableDefinition } from './table-definitions.js';

const attributeDefinitions = (definition: TableDefinition): AttributeDefinition[] => {
  const keys = [definition.partitionKey, definition.sortKey];
  for (const index of definition.globalSecondaryIndexes)
    keys.push(index.partitionKey, index.sortKey);
  const byName = new Map<string, AttributeDefinition>();
  for (const key of keys) {
    if (key) byName.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  return [...byName.values()];
};

const keySchema = (partitionKey: { name: string }, sortKey?: { name: string }) => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
];

const indexNamesOf = async (
  client: DynamoDBClient,
  tableName: string,
): Promise<string[] | undefined> => {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '');
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
};

const indexSpec = (index: TableDefinition['globalSecondaryIndexes'][number]) => ({
  IndexName: index.indexName,
  KeySchema: keySchema(index.partitionKey, index.sortKey),
  Projection: { ProjectionType: index.projection },
});

/**
 * A table made by an earlier version (a local data folder) gets the indexes added since,
 * one at a time as DynamoDB requires; the stack does the same through CloudFormation. A
 * table on an earlier layout of the definition stays on it: its items lack the new keys.
 */
const addMissingIndexes = async (
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition,
  existing: string[],
): Promise<void> => {
  const onEarlierLayout = (definition.earlierLayouts ?? []).some(
    (layout) =>
      layout.every((index) => existing.includes(index.indexName)) &&
      !definition.globalSecondaryIndexes.some((index) => existing.includes(index.indexName)),
  );
  if (onEarlierLayout) return;
  for (const index of definition.globalSecondaryIndexes) {
    if (existing.includes(index.indexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributeDefinitions(definition),
        GlobalSecondaryIndexUpdates: [{ Create: indexSpec(index) }],
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  }
};

/**
 * Creates the table from its shared definition unless it exists (then adds any index the
 * definition has and the table lacks). Returns true if created. `initialItems` are written
 * into a table this call created, never into one that existed (a marker that says what a
 * new table has never held, say).
 */
export const createTableIfMissing = async (
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition,
  options: { initialItems?: Record<string, unknown>[] } = {},
): Promise<boolean> => {
  const existing = await indexNamesOf(client, tableName);
  if (existing !== undefined) {
    await addMissingIndexes(client, tableName, definition, existing);
    return false;
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(definition),
        KeySchema: keySchema(definition.partitionKey, definition.sortKey),
        ...(definition.globalSecondaryIndexes.length > 0
          ? {
              GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map(indexSpec),
            }
          : {}),
        ...(definition.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } }
          : {}),
      }),
    );
  } catch (error) {
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  if (definition.timeToLiveAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
  for (const item of options.initialItems ?? []) {
    await client.send(new PutItemCommand({ TableName: tableName, Item: marshall(item) }));
  }
  return true;
};
