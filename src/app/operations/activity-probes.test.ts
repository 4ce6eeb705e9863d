import type { DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sqsRecord } from '../../../test/support/sqs-messages.js';
import { probeProjector, probePublisher } from './activity-probes.js';
import { ServiceActivity } from './service-activity.js';

const NOW = 1_700_000_000_000;
const notification = (id: string, acceptedMsAgo: number) =>
  JSON.stringify({
    'detail-type': 'CustomerRegistered',
    source: 'customer.service',
    detail: {
      thin: true,
      aggregateId: id,
      version: 1,
      eventType: 'CustomerRegistered',
      eventId: `e-${id}`,
      timestamp: new Date(NOW - acceptedMsAgo).toISOString(),
    },
  });

describe('probeProjector', () => {
  it('notes the lag of the messages projected, not of those that failed', async () => {
    const activity = new ServiceActivity({ now: () => NOW });
    const ok = sqsRecord(notification('a', 300));
    const failed = sqsRecord(notification('b', 9000));
    const projector = probeProjector(
      activity,
      async (_event: SQSEvent) => ({ batchItemFailures: [{ itemIdentifier: failed.messageId }] }),
      () => NOW,
    );
    const answer = await projector({ Records: [ok, failed, sqsRecord('not json')] });
    expect(answer.batchItemFailures).toHaveLength(1);
    expect(activity.series().at(-1)?.projectionLagMs).toBe(300);
  });
});

describe('probePublisher', () => {
  /** An event item, accepted at `acceptedAtSeconds`. */
  const record = (sequence: string, acceptedAtSeconds: number) => ({
    eventName: 'INSERT' as const,
    dynamodb: {
      SequenceNumber: sequence,
      // DynamoDB Local's minute, which the probe must not take for the record's age.
      ApproximateCreationDateTime: Math.floor(acceptedAtSeconds / 60) * 60,
      NewImage: { timestamp: { S: new Date(acceptedAtSeconds * 1000).toISOString() } },
    },
  });

  it('advances the stream position to the last record before the first failure', async () => {
    const activity = new ServiceActivity({ now: () => NOW });
    const event = {
      Records: [
        record('01', NOW / 1000 - 2),
        record('02', NOW / 1000 - 1),
        record('03', NOW / 1000),
      ],
    } as DynamoDBStreamEvent;
    await probePublisher(activity, async () => ({ batchItemFailures: [{ itemIdentifier: '03' }] }))(
      event,
    );
    expect(activity.streamProgress()).toMatchObject({
      lastSequenceNumber: '02',
      iteratorAgeMs: 1000,
      recordsPublished: 2,
    });
  });

  it('keeps the last age across a batch without events (claims, keys, snapshots)', async () => {
    const activity = new ServiceActivity({ now: () => NOW });
    const publish = probePublisher(activity, async () => undefined);
    await publish({ Records: [record('08', NOW / 1000 - 0.35)] } as DynamoDBStreamEvent);
    expect(activity.streamProgress().iteratorAgeMs).toBe(350);
    await publish({
      Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '09', NewImage: {} } }],
    } as DynamoDBStreamEvent);
    expect(activity.streamProgress()).toMatchObject({
      lastSequenceNumber: '09',
      iteratorAgeMs: 350,
      recordsPublished: 2,
    });
  });

  it('takes a handler that answers nothing as a batch that all went through', async () => {
    const activity = new ServiceActivity({ now: () => NOW });
    await probePublisher(
      activity,
      async () => undefined,
    )({
      Records: [record('07', NOW / 1000)],
    } as DynamoDBStreamEvent);
    expect(activity.streamProgress()).toMatchObject({
      lastSequenceNumber: '07',
      recordsPublished: 1,
    });
  });
});
