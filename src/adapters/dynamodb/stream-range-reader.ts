import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { StoreUnavailableError } from '../../core/errors.js';
import { type StreamRef, UNTYPED_STREAM_TYPE } from '../../core/event.js';
import { ITEM_TYPE } from './event-store-keys.js';

/** An event's place: which stream (of which type), which version. */
export interface EventPosition extends StreamRef {
  version: number;
}

/** The records are no longer in the stream (24 h retention), or the shard is gone. */
export class StreamRangeUnavailableError extends StoreUnavailableError {
  override readonly name = 'StreamRangeUnavailableError';
}

export interface StreamRange {
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
}

/** Empty pages in a row after which an open shard is taken to hold nothing more for us. */
const MAX_EMPTY_PAGES = 5;

const positionOf = (
  keys: Record<string, { S?: string }> | undefined,
  image: Record<string, { S?: string }>,
): EventPosition | undefined => {
  const pk = keys?.PK?.S ?? '';
  const sk = keys?.SK?.S ?? '';
  const hash = pk.indexOf('#');
  const version = Number(sk.slice('EVENT#'.length));
  if (hash < 0 || !sk.startsWith('EVENT#') || !Number.isInteger(version)) return undefined;
  // Items written before the type travelled with the event carry none: they are a Customer's.
  const aggregateType = image.aggregateType?.S ?? UNTYPED_STREAM_TYPE;
  return { aggregateType, aggregateId: pk.slice(hash + 1), version };
};

/**
 * The events a range of one shard inserted, read back from the stream itself: the keys of
 * every `EVENT` insert from the start to the end sequence number (inclusive).
 */
export const readStreamRange = async (
  streams: DynamoDBStreamsClient,
  range: StreamRange,
): Promise<EventPosition[]> => {
  const end = BigInt(range.endSequenceNumber);
  const positions: EventPosition[] = [];
  try {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: range.streamArn,
        ShardId: range.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: range.startSequenceNumber,
      }),
    );
    let empty = 0;
    while (iterator && empty < MAX_EMPTY_PAGES) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const records = page.Records ?? [];
      empty = records.length === 0 ? empty + 1 : 0;
      for (const record of records) {
        if (BigInt(record.dynamodb?.SequenceNumber ?? '0') > end) return positions;
        const image = record.dynamodb?.NewImage as Record<string, { S?: string }> | undefined;
        if (record.eventName !== 'INSERT' || image?.itemType?.S !== ITEM_TYPE.event) continue;
        const position = positionOf(record.dynamodb?.Keys as Record<string, { S?: string }>, image);
        if (position) positions.push(position);
      }
      iterator = page.NextShardIterator;
    }
    return positions;
  } catch (error) {
    // Past the retention, a closed and deleted shard, an iterator gone stale: all say the
    // same to the caller, which then finds the events another way.
    const name = (error as { name?: string }).name ?? 'error';
    throw new StreamRangeUnavailableError(
      `stream records ${range.startSequenceNumber}..${range.endSequenceNumber} of shard ${range.shardId} are not readable (${name})`,
      { cause: error },
    );
  }
};
