import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { StreamFailureRecord } from '../adapters/dynamodb/stream-failure-record.js';
import { type EventPosition, readStreamRange } from '../adapters/dynamodb/stream-range-reader.js';
import type { EventEnvelope, StreamRef } from '../core/event.js';
import { METRIC, type Metrics } from '../core/metrics.js';
import type { StreamChanges } from '../core/stream-changes.js';
import type { StreamTypes } from '../core/stream-types.js';
import { readVersions } from './replay-versions.js';

/**
 * A failure record's arrival times are when the records entered the stream; an event's
 * timestamp is taken before its write (a command retries for up to 8 s). The change index is
 * searched this much wider on each side.
 */
const BEFORE_MS = 5 * 60_000;
const AFTER_MS = 60_000;

export interface FailureEvents {
  /** `stream`: the range read back from the stream; `change-index`: the stream no longer had it. */
  source: 'stream' | 'change-index';
  /** Why the stream could not be read, when it could not. */
  streamError?: string;
  events: EventEnvelope[];
  /** Streams of the batch of a type no module is registered for: not read, not republished. */
  unregistered: StreamRef[];
}

export interface FailureReplayDeps {
  streams: DynamoDBStreamsClient;
  changes: StreamChanges;
  /** The registered stream types: each stream is read, as stored, from its type's store. */
  streamTypes: StreamTypes;
  /** `UnregisteredStreamType` for each stream of the batch no module is registered for. */
  metrics?: Metrics;
}

const positionsFromChangeIndex = async (
  changes: StreamChanges,
  info: StreamFailureRecord['DDBStreamBatchInfo'],
): Promise<EventPosition[]> => {
  const from = new Date(Date.parse(info.approximateArrivalOfFirstRecord) - BEFORE_MS);
  const to = new Date(Date.parse(info.approximateArrivalOfLastRecord) + AFTER_MS);
  const positions: EventPosition[] = [];
  for await (const page of changes.changesBetween(from.toISOString(), to.toISOString())) {
    positions.push(...page);
  }
  return positions;
};

/**
 * The events a failed stream batch held, read from the event store: the batch's keys come
 * from the stream while it still holds the records (24 h), else from the change index over
 * the batch's arrival times (a superset: republishing an event twice is harmless, the
 * projector catches a view up, it never applies an event twice). Each stream is read from
 * its type's store; a stream of a type no module is registered for is named and counted.
 */
export const eventsOfFailure = async (
  record: StreamFailureRecord,
  deps: FailureReplayDeps,
): Promise<FailureEvents> => {
  const info = record.DDBStreamBatchInfo;
  let source: FailureEvents['source'] = 'stream';
  let streamError: string | undefined;
  let positions: EventPosition[];
  try {
    positions = await readStreamRange(deps.streams, info);
  } catch (error) {
    source = 'change-index';
    streamError = error instanceof Error ? error.message : String(error);
    positions = await positionsFromChangeIndex(deps.changes, info);
  }
  const events: EventEnvelope[] = [];
  const { unregistered } = await readVersions(positions, deps.streamTypes, (read) => {
    events.push(...read);
  });
  for (const _ of unregistered) {
    deps.metrics?.count(METRIC.unregisteredStreamType, { consumer: 'stream-failures' });
  }
  return { source, ...(streamError ? { streamError } : {}), events, unregistered };
};
