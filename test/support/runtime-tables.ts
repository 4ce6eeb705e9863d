import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { type Config, readConfig } from '../../src/config.js';
import { localClientConfig } from './dynamodb.js';

/** A configuration whose two tables belong to one test file alone. */
export const configWithOwnTables = (): Config => {
  const suffix = randomUUID().slice(0, 8);
  return readConfig({ COMMAND_TABLE: `events-${suffix}`, QUERY_TABLE: `views-${suffix}` });
};

/** Deletes the tables of `configWithOwnTables` from the run's DynamoDB Local. */
export const dropTables = async (config: Config): Promise<void> => {
  const client = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
  for (const TableName of [config.COMMAND_TABLE, config.QUERY_TABLE]) {
    await client.send(new DeleteTableCommand({ TableName })).catch(() => {});
  }
  client.destroy();
};
