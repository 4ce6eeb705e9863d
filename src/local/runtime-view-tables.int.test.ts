import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { localClientConfig } from '../../test/support/dynamodb.js';
import { ledgerDeclaration, ledgerViews } from '../../test/support/ledger-declaration.js';
import { configWithOwnTables, dropTables } from '../../test/support/runtime-tables.js';
import { customerModule } from '../app/customer/module.js';
import type { RegisteredAggregate } from '../composition/aggregate-module.js';
import { AGGREGATES } from '../composition/aggregates.js';
import { type Config, readConfig } from '../config.js';
import { startLocalRuntime } from './runtime.js';

/** Only its declaration matters here: it serves no route and builds no read model. */
const ledger: RegisteredAggregate = {
  ...customerModule,
  ...ledgerDeclaration,
  readModels: () => ({ projections: [], queries: undefined }),
  routes: {},
};
const aggregates = [...AGGREGATES, ledger];

describe('the local runtime creates every declared view table', () => {
  const client = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
  const made: Config[] = [];
  afterAll(async () => {
    for (const config of made) await dropTables(config);
    client.destroy();
  });

  const describeTable = async (TableName: string) =>
    (await client.send(new DescribeTableCommand({ TableName }))).Table;

  const start = async (config: Config, declared = aggregates) => {
    const runtime = await startLocalRuntime({
      config,
      aggregates: declared,
      dynamodb: localClientConfig(inject('dynamoEndpoint')),
      pipeline: false,
      encryption: false,
    });
    made.push(runtime.config);
    await runtime.stop();
    return runtime.config;
  };

  it("names each by the test's own names, keeps today's views table, and tells the service", async () => {
    const config = configWithOwnTables(aggregates);
    const name = config.VIEW_TABLES.LedgerViews ?? '';
    expect(name).toMatch(/^LedgerViews-[0-9a-f]{8}$/);
    const used = await start(config);
    expect(used.VIEW_TABLES).toEqual({ LedgerViews: name });
    const table = await describeTable(name);
    expect(table?.KeySchema).toEqual([{ AttributeName: 'ledgerId', KeyType: 'HASH' }]);
    expect(table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byOwner']);
    expect((await describeTable(config.QUERY_TABLE))?.KeySchema).toEqual([
      { AttributeName: 'customerId', KeyType: 'HASH' },
    ]);
  });

  it('names a table the settings leave unnamed by its id, as npm start does', async () => {
    // An id of this run alone: the name is the id, on a DynamoDB Local other files share.
    const id = `Ledger${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    const own = configWithOwnTables();
    expect(own.VIEW_TABLES).toEqual({});
    const used = await start(
      readConfig({ COMMAND_TABLE: own.COMMAND_TABLE, QUERY_TABLE: own.QUERY_TABLE }),
      [...AGGREGATES, { ...ledger, viewTables: [{ id, definition: ledgerViews }] }],
    );
    expect(used.VIEW_TABLES).toEqual({ [id]: id });
    expect((await describeTable(id))?.KeySchema).toEqual([
      { AttributeName: 'ledgerId', KeyType: 'HASH' },
    ]);
  });
});
