import type {
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { parseEventNotification } from '../event-notification.js';
import type { ServiceActivity } from './service-activity.js';

// Local handlers may answer nothing, which means the whole batch succeeded.
type Projector<R extends SQSBatchResponse | undefined> = (event: SQSEvent) => Promise<R>;
type Publisher<R extends DynamoDBBatchResponse | undefined> = (
  event: DynamoDBStreamEvent,
) => Promise<R>;

const failedIds = (response: { batchItemFailures?: { itemIdentifier: string }[] } | undefined) =>
  new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));

/**
 * The projector, noting for each message it handled the lag from the event's acceptance
 * to now, when its view has been written.
 */
export const probeProjector =
  <R extends SQSBatchResponse | undefined>(
    activity: ServiceActivity,
    projector: Projector<R>,
    now: () => number = Date.now,
  ): Projector<R> =>
  async (event) => {
    const response = await projector(event);
    const failed = failedIds(response);
    for (const record of event.Records) {
      if (failed.has(record.messageId)) continue;
      try {
        const acceptedAt = Date.parse(parseEventNotification(record.body).timestamp ?? '');
        if (!Number.isNaN(acceptedAt)) activity.viewWritten(now() - acceptedAt);
      } catch {
        // A body the projector took without parsing it is no lag to report.
      }
    }
    return response;
  };

type StreamRecord = DynamoDBStreamEvent['Records'][number];

/**
 * When the newest event among `records` was accepted (its item's own `timestamp`, to the
 * millisecond). Other items (claims, keys, snapshots) tell nothing: the stream's
 * `ApproximateCreationDateTime` is rounded down to the minute by DynamoDB Local.
 */
const newestEventAtMs = (records: StreamRecord[]): number | undefined => {
  const times = records
    .map((r) => Date.parse(r.dynamodb?.NewImage?.timestamp?.S ?? ''))
    .filter((t) => !Number.isNaN(t));
  return times.length > 0 ? Math.max(...times) : undefined;
};

/** The publisher, noting how far along the stream it got and how old that record was. */
export const probePublisher =
  <R extends DynamoDBBatchResponse | undefined>(
    activity: ServiceActivity,
    publisher: Publisher<R>,
  ): Publisher<R> =>
  async (event) => {
    const response = await publisher(event);
    const failed = failedIds(response);
    // A shard is retried from its first failed record: what precedes it is done.
    const firstFailed = event.Records.findIndex((r) =>
      failed.has(r.dynamodb?.SequenceNumber ?? ''),
    );
    const done = firstFailed === -1 ? event.Records : event.Records.slice(0, firstFailed);
    const last = done.at(-1);
    if (last) {
      activity.recordsPublished(
        { sequenceNumber: last.dynamodb?.SequenceNumber, createdAtMs: newestEventAtMs(done) },
        done.length,
      );
    }
    return response;
  };
