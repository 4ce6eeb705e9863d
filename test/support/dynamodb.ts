import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTableIfMissing } from '../../src/adapters/dynamodb/create-tables.js';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewStore } from '../../src/adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { eventStoreTable } from '../../src/adapters/dynamodb/table-definitions.js';
import type { AggregateDeclaration } from '../../src/composition/aggregate-module.js';
import { AGGREGATES } from '../../src/composition/aggregates.js';
import {
  declaredViewTables,
  withViewTableNames,
} from '../../src/composition/declared-view-tables.js';

export const localClientConfig = (endpoint: string) => ({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

export interface TestTables {
  endpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  eventStoreTableName: string;
  viewsTableName: string;
  /** The other declared view tables by id, as `VIEW_TABLES` names them. */
  viewTables: Record<string, string>;
  /** The adapters over these tables, as the services use them. */
  events: DynamoDBEventStore;
  views: DynamoDBCustomerViewStore;
  /** Deletes the tables and closes the clients. */
  dispose(): Promise<void>;
}

/**
 * Fresh, uniquely named tables on the run's DynamoDB Local, so test files never collide: the
 * event store and every view table the aggregates declare.
 */
export const createTestTables = async (
  aggregates: readonly AggregateDeclaration[] = AGGREGATES,
): Promise<TestTables> => {
  const endpoint = inject('dynamoEndpoint');
  const suffix = randomUUID().slice(0, 8);
  const eventStoreTableName = `events-${suffix}`;
  const viewsTableName = `views-${suffix}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const documentClient = createDocumentClient(localClientConfig(endpoint));
  await createTableIfMissing(client, eventStoreTableName, eventStoreTable);
  const names = withViewTableNames(
    { QUERY_TABLE: viewsTableName, VIEW_TABLES: {} },
    aggregates,
    (id) => `${id}-${suffix}`,
  );
  const viewTables = declaredViewTables(names, aggregates);
  for (const table of viewTables) await createTableIfMissing(client, table.name, table.definition);
  return {
    endpoint,
    client,
    documentClient,
    eventStoreTableName,
    viewsTableName,
    viewTables: names.VIEW_TABLES,
    events: new DynamoDBEventStore({ client: documentClient, tableName: eventStoreTableName }),
    views: new DynamoDBCustomerViewStore({ client: documentClient, tableName: viewsTableName }),
    async dispose() {
      for (const TableName of [eventStoreTableName, ...viewTables.map((table) => table.name)]) {
        await client.send(new DeleteTableCommand({ TableName })).catch(() => {});
      }
      client.destroy();
      documentClient.destroy();
    },
  };
};
