import { describeEventStoreContract } from '../../../test/contract/event-store.contract.js';
import { createTestTables } from '../../../test/support/dynamodb.js';
import { DynamoDBEventStore } from './dynamodb-event-store.js';

describeEventStoreContract('DynamoDB', async () => {
  const tables = await createTestTables();
  return {
    store: new DynamoDBEventStore({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
    }),
    dispose: () => tables.dispose(),
  };
});
