/**
 * What the change index costs the command path: the same single-event appends into a table
 * with the index and into one without it (the previous definition), in write units as
 * DynamoDB reports them (`ReturnConsumedCapacity: INDEXES`) and in append latency (median,
 * as a ratio, since DynamoDB Local's absolute times say little about AWS).
 *
 *   node --import tsx bench/change-index-cost.ts [appends]
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBEventStore, toEventItem } from '../src/adapters/dynamodb/dynamodb-event-store.js';
import { CHANGE_BUCKET_ATTRIBUTE } from '../src/adapters/dynamodb/event-store-keys.js';
import { eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import type { EventEnvelope } from '../src/core/event.js';
import { startBenchDynamoDB } from './bench-dynamodb.js';
import { median } from './stats.js';

const appends = Number(process.argv[2] ?? 400);

const envelope = (aggregateId: string): EventEnvelope => ({
  eventId: randomUUID(),
  aggregateType: 'Customer',
  aggregateId,
  eventType: 'CustomerRegistered',
  payload: { email: `${aggregateId}@example.com`, name: 'Bench' },
  timestamp: new Date().toISOString(),
  version: 1,
  metadata: { correlationId: randomUUID(), schemaVersion: 1 },
});

const db = await startBenchDynamoDB();
try {
  const withIndex = `bench-with-index-${randomUUID().slice(0, 6)}`;
  const without = `bench-without-index-${randomUUID().slice(0, 6)}`;
  await db.createTable(withIndex, eventStoreTable);
  await db.createTable(without, { ...eventStoreTable, globalSecondaryIndexes: [] });

  const units = async (table: string, indexed: boolean) => {
    const item = toEventItem('CUSTOMER', envelope(randomUUID()));
    if (!indexed) delete item[CHANGE_BUCKET_ATTRIBUTE];
    const { ConsumedCapacity } = await db.documentClient.send(
      new PutCommand({
        TableName: table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(PK)',
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    return {
      total: ConsumedCapacity?.CapacityUnits ?? Number.NaN,
      table: ConsumedCapacity?.Table?.CapacityUnits ?? Number.NaN,
      index: ConsumedCapacity?.GlobalSecondaryIndexes?.byChange?.CapacityUnits ?? 0,
      bytes: JSON.stringify(item).length,
    };
  };
  const timed = async (table: string) => {
    const store = new DynamoDBEventStore({ client: db.documentClient, tableName: table });
    const times: number[] = [];
    for (let i = 0; i < appends; i++) {
      const e = envelope(randomUUID());
      const started = performance.now();
      await store.append(e.aggregateId, [e], { expectedVersion: 0 });
      times.push(performance.now() - started);
    }
    return median(times);
  };

  const indexedUnits = await units(withIndex, true);
  const plainUnits = await units(without, false);
  // Interleaved rounds, so drift in the machine's load hits both sides alike.
  const indexedTimes: number[] = [];
  const plainTimes: number[] = [];
  for (let round = 0; round < 4; round++) {
    plainTimes.push(await timed(without));
    indexedTimes.push(await timed(withIndex));
  }
  const ratio = median(indexedTimes) / median(plainTimes);
  console.log(
    JSON.stringify(
      {
        appendsPerRound: appends,
        rounds: 4,
        writeUnits: { withIndex: indexedUnits, withoutIndex: plainUnits },
        medianAppendMs: { withIndex: median(indexedTimes), withoutIndex: median(plainTimes) },
        latencyRatio: Number(ratio.toFixed(3)),
      },
      null,
      2,
    ),
  );
} finally {
  await db.stop();
}
