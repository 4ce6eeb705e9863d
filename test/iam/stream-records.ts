import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { ITEM_TYPE } from '../../src/adapters/dynamodb/event-store-keys.js';
import { toLambdaRecord } from '../../src/local/stream-poller.js';
import { localClientConfig } from '../support/dynamodb.js';

/**
 * Every record of a table's stream so far, as the publisher's event source mapping hands
 * them over: only inserted events (the stack's filter), oldest first per shard.
 */
export const insertedEvents = async (
  dynamodb: DynamoDBClient,
  endpoint: string,
  tableName: string,
): Promise<DynamoDBRecord[]> => {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${tableName} has no stream`);
  const streams = new DynamoDBStreamsClient(localClientConfig(endpoint));
  try {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    const records: DynamoDBRecord[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator: iterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      // An open shard always hands out a next iterator: read until a read finds nothing.
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        if (!page.Records?.length) break;
        records.push(...page.Records.map((record) => toLambdaRecord(record, streamArn, 'local')));
        iterator = page.NextShardIterator;
      }
    }
    return records.filter(
      (record) =>
        record.eventName === 'INSERT' && record.dynamodb?.NewImage?.itemType?.S === ITEM_TYPE.event,
    );
  } finally {
    streams.destroy();
  }
};
