import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import type { AggregateDeclaration } from '../../src/composition/aggregate-module.js';
import { AGGREGATES } from '../../src/composition/aggregates.js';
import { withViewTableNames } from '../../src/composition/declared-view-tables.js';
import { type Config, readConfig } from '../../src/config.js';
import { localClientConfig } from './dynamodb.js';

/**
 * A configuration whose tables belong to one test file alone: the event store, the views
 * table and every other view table the aggregates declare.
 */
export const configWithOwnTables = (
  aggregates: readonly AggregateDeclaration[] = AGGREGATES,
): Config => {
  const suffix = randomUUID().slice(0, 8);
  const config = readConfig({ COMMAND_TABLE: `events-${suffix}`, QUERY_TABLE: `views-${suffix}` });
  return withViewTableNames(config, aggregates, (id) => `${id}-${suffix}`);
};

/** Deletes the tables of `configWithOwnTables` from the run's DynamoDB Local. */
export const dropTables = async (config: Config): Promise<void> => {
  const client = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
  const names = [config.COMMAND_TABLE, config.QUERY_TABLE, ...Object.values(config.VIEW_TABLES)];
  for (const TableName of names) {
    await client.send(new DeleteTableCommand({ TableName })).catch(() => {});
  }
  client.destroy();
};
