import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { StreamFailureRecord } from '../../adapters/dynamodb/stream-failure-record.js';
import { silentLogger } from '../../core/ports.js';
import { withStreamFailureDestination } from './stream-failure-destination.js';

const record = (sequence: number, arrivedAt: number): DynamoDBRecord => ({
  eventName: 'INSERT',
  eventSourceARN: 'arn:aws:dynamodb:local:000000000000:table/events/stream/2026',
  dynamodb: { SequenceNumber: String(sequence), ApproximateCreationDateTime: arrivedAt },
});
const batch = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

const setUp = (answers: Array<'ok' | 'fail-at-2' | 'throw'>, maxAttempts = 3) => {
  const sent: StreamFailureRecord[] = [];
  const handler = withStreamFailureDestination(
    async () => {
      const answer = answers.shift() ?? 'ok';
      if (answer === 'throw') throw new Error('publisher down');
      return { batchItemFailures: answer === 'ok' ? [] : [{ itemIdentifier: '2' }] };
    },
    {
      maxAttempts,
      send: async (r) => {
        sent.push(r);
      },
      shardOf: async () => 'shardId-0001',
      logger: silentLogger,
      now: () => new Date('2026-12-01T08:00:00.000Z'),
    },
  );
  return { handler, sent };
};

describe('the local stream failure destination', () => {
  it('passes failures through until the last attempt, then sends the range and moves on', async () => {
    const { handler, sent } = setUp(['fail-at-2', 'fail-at-2', 'fail-at-2']);
    const event = batch(record(1, 1000), record(2, 1001), record(3, 1002));
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(sent).toEqual([]);
    // The third failure of the same record: given up, as the event source mapping does.
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { functionError: 'BatchItemFailures' },
      DDBStreamBatchInfo: {
        shardId: 'shardId-0001',
        startSequenceNumber: '2',
        endSequenceNumber: '3',
        batchSize: 2,
        approximateArrivalOfFirstRecord: '1970-01-01T00:16:41.000Z',
        approximateArrivalOfLastRecord: '1970-01-01T00:16:42.000Z',
        streamArn: 'arn:aws:dynamodb:local:000000000000:table/events/stream/2026',
      },
    });
  });

  it('starts counting again after a success, and counts a thrown error as a failure of the batch', async () => {
    const { handler, sent } = setUp(['throw', 'ok', 'throw', 'throw'], 2);
    const event = batch(record(7, 5), record(8, 6));
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '7' }] });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '7' }] });
    expect(sent).toEqual([]);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(
      sent.map((s) => [s.responseContext.functionError, s.DDBStreamBatchInfo.batchSize]),
    ).toEqual([['FunctionError', 2]]);
  });
});
