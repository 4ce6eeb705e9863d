import {
  DeleteTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableIfMissing } from '../src/adapters/dynamodb/create-tables.js';
import { createDocumentClient } from '../src/adapters/dynamodb/document-client.js';
import type { TableDefinition } from '../src/adapters/dynamodb/table-definitions.js';
import { type DynamoDBLocal, startDynamoDBLocal } from '../src/local/dynamodb-local.js';
import { DynamoDBCallCounter } from './dynamodb-call-counter.js';

/** The run's own DynamoDB Local (in memory), with one counted document client. */
export interface BenchDynamoDB {
  local: DynamoDBLocal;
  clientConfig: DynamoDBClientConfig;
  client: DynamoDBClient;
  /** Every DynamoDB call the measured code makes goes through this client. */
  documentClient: DynamoDBDocumentClient;
  counter: DynamoDBCallCounter;
  /** Another counted client, for a component that would run in its own function on AWS. */
  newDocumentClient(): DynamoDBDocumentClient;
  createTable(name: string, definition: TableDefinition): Promise<void>;
  deleteTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

export const startBenchDynamoDB = async (): Promise<BenchDynamoDB> => {
  const local = await startDynamoDBLocal();
  const clientConfig: DynamoDBClientConfig = {
    endpoint: local.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // A retry would hide a failure and count as a second call.
    maxAttempts: 1,
  };
  const client = new DynamoDBClient(clientConfig);
  const documentClient = createDocumentClient(clientConfig);
  const counter = new DynamoDBCallCounter();
  counter.attach(documentClient);
  const extraClients: DynamoDBDocumentClient[] = [];
  return {
    local,
    clientConfig,
    client,
    documentClient,
    counter,
    newDocumentClient() {
      const extra = createDocumentClient(clientConfig);
      counter.attach(extra);
      extraClients.push(extra);
      return extra;
    },
    async createTable(name, definition) {
      await createTableIfMissing(client, name, definition);
    },
    async deleteTable(name) {
      await client.send(new DeleteTableCommand({ TableName: name })).catch(() => {});
    },
    async stop() {
      client.destroy();
      documentClient.destroy();
      for (const extra of extraClients) extra.destroy();
      await local.stop();
    },
  };
};
