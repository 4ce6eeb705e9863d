import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerViewReaderContract } from '../../../test/contract/customer-view-reader.contract.js';
import { createTestTables, type TestTables } from '../../../test/support/dynamodb.js';
import { viewItem } from '../../../test/support/view-items.js';
import { StoreUnavailableError } from '../../core/errors.js';
import { DynamoDBCustomerViewReader } from './dynamodb-customer-view-reader.js';

const opened: TestTables[] = [];
afterAll(async () => {
  await Promise.all(opened.map((t) => t.dispose()));
});

// Fresh tables per test: the contract's tests count what they find.
customerViewReaderContract('DynamoDBCustomerViewReader', async () => {
  const tables = await createTestTables();
  opened.push(tables);
  const reader = new DynamoDBCustomerViewReader({
    client: tables.documentClient,
    tableName: tables.viewsTableName,
  });
  return {
    reader,
    put: async (view) => {
      await tables.documentClient.send(
        new PutCommand({ TableName: tables.viewsTableName, Item: viewItem(view) }),
      );
    },
  };
});

describe('DynamoDBCustomerViewReader on DynamoDB itself', () => {
  let tables: TestTables;
  beforeAll(async () => {
    tables = await createTestTables();
    opened.push(tables);
  });

  it('turns throttling that outlived the SDK retries into StoreUnavailableError', async () => {
    const throttled = {
      send: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
    } as unknown as DynamoDBDocumentClient;
    const reader = new DynamoDBCustomerViewReader({ client: throttled, tableName: 'views' });
    await expect(reader.get('cust-01')).rejects.toThrow(StoreUnavailableError);
    await expect(reader.listByStatus('ACTIVE', { limit: 5 })).rejects.toThrow(
      StoreUnavailableError,
    );
    await expect(reader.searchByEmailPrefix('a', { limit: 5 })).rejects.toThrow(
      StoreUnavailableError,
    );
  });

  it('reports a fault of the store other than throttling as it is', async () => {
    const reader = new DynamoDBCustomerViewReader({
      client: tables.documentClient,
      tableName: 'no-such-table',
    });
    await expect(reader.get('cust-01')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
