import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTableIfMissing } from '../../src/adapters/dynamodb/create-tables.js';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewStore } from '../../src/adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import {
  customerViewsTable,
  eventStoreTable,
} from '../../src/adapters/dynamodb/table-definitions.js';

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
  /** The adapters over these tables, as the services use them. */
  events: DynamoDBEventStore;
  views: DynamoDBCustomerViewStore;
  /** Deletes the tables and closes the clients. */
  dispose(): Promise<void>;
}

/** Fresh, uniquely named tables on the run's DynamoDB Local, so test files never collide. */
export const createTestTables = async (): Promise<TestTables> => {
  const endpoint = inject('dynamoEndpoint');
  const suffix = randomUUID().slice(0, 8);
  const eventStoreTableName = `events-${suffix}`;
  const viewsTableName = `views-${suffix}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const documentClient = createDocumentClient(localClientConfig(endpoint));
  await createTableIfMissing(client, eventStoreTableName, eventStoreTable);
  await createTableIfMissing(client, viewsTableName, customerViewsTable);
  return {
    endpoint,
    client,
    documentClient,
    eventStoreTableName,
    viewsTableName,
    events: new DynamoDBEventStore({ client: documentClient, tableName: eventStoreTableName }),
    views: new DynamoDBCustomerViewStore({ client: documentClient, tableName: viewsTableName }),
    async dispose() {
      for (const TableName of [eventStoreTableName, viewsTableName]) {
        await client.send(new DeleteTableCommand({ TableName })).catch(() => {});
      }
      client.destroy();
      documentClient.destroy();
    },
  };
};
