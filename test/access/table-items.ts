import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';

/**
 * Every item of the tables, sorted, read consistently: a refused request must leave them
 * exactly as they were, which an equal count alone would not prove.
 */
export const tableItems = async (
  client: DynamoDBDocumentClient,
  tableNames: readonly string[],
): Promise<Record<string, string[]>> => {
  const snapshot: Record<string, string[]> = {};
  for (const TableName of tableNames) {
    const items: string[] = [];
    for await (const page of paginateScan({ client }, { TableName, ConsistentRead: true })) {
      for (const item of page.Items ?? []) items.push(JSON.stringify(item));
    }
    snapshot[TableName] = items.sort();
  }
  return snapshot;
};
