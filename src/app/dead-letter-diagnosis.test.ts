import { describe, expect, it } from 'vitest';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { addTallies, customersAndTallies } from '../../test/support/tally-stream-type.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryViewStore } from '../adapters/memory/in-memory-view-store.js';
import type { DeadLetter } from '../adapters/sqs/dead-letter-queue.js';
import type { EventEnvelope } from '../core/event.js';
import { diagnose } from './dead-letter-diagnosis.js';

const event = (
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion = 1,
): EventEnvelope => ({
  eventId: `e-${version}`,
  aggregateType: 'Customer',
  aggregateId: 'c1',
  eventType,
  payload,
  timestamp: '2026-11-27T10:00:00.000Z',
  version,
  metadata: { correlationId: 'corr', schemaVersion },
});

const letter = (version: number): DeadLetter => ({
  messageId: 'm-1',
  eventType: undefined,
  aggregateId: 'c1',
  version,
  thin: true,
  receiveCount: 6,
  firstReceivedAt: undefined,
  sentAt: undefined,
  bodyError: undefined,
  bodyPreview: '',
});

const storeWith = async (second: EventEnvelope) => {
  const store = new InMemoryEventStore();
  await store.append(
    'c1',
    [event(1, 'CustomerRegistered', { email: 'a@b.io', name: 'A' }), second],
    { expectedVersion: 0 },
  );
  return store;
};

describe('dead-letter diagnosis', () => {
  it('names an event type written by a newer deployment', async () => {
    const store = await storeWith(event(2, 'CustomerPhoneAdded', { phone: '1' }));
    expect(await diagnose(letter(2), customerStreams(store, new InMemoryViewStore()))).toEqual({
      messageId: 'm-1',
      aggregateType: 'Customer',
      projection: 'customer-views',
      streamVersion: 2,
      error:
        'Unknown event type CustomerPhoneAdded (schema version 1) at event 2 of stream c1: written by a newer deployment?',
    });
  });

  it('names a schema version newer than this deployment reads', async () => {
    const store = await storeWith(event(2, 'CustomerSuspended', { reasonCode: 'FRAUD' }, 4));
    const { error } = await diagnose(letter(2), customerStreams(store, new InMemoryViewStore()));
    expect(error).toBe(
      'CustomerSuspended schema version 4 at event 2 of stream c1 is not one this deployment reads (it knows 1 to 3)',
    );
  });

  it('finds nothing wrong with a stream stored in v1', async () => {
    const store = await storeWith(event(2, 'CustomerSuspended', { reason: 'old' }, 1));
    expect(
      (await diagnose(letter(2), customerStreams(store, new InMemoryViewStore()))).error,
    ).toBeUndefined();
  });
});

describe('dead-letter diagnosis over several stream types', () => {
  const letterOf = (aggregateType: string, aggregateId: string, version: number): DeadLetter => ({
    ...letter(version),
    aggregateType,
    aggregateId,
  });

  it('replays the stream of the letter’s type into that type’s read models, and names the type', async () => {
    const { tallies, streams } = customersAndTallies();
    // A customer stream with this id does not exist: the tally's is the one read.
    await addTallies(tallies, 'c1', [1, 'x']);
    expect(await diagnose(letterOf('Tally', 'c1', 2), streams)).toEqual({
      messageId: 'm-1',
      aggregateType: 'Tally',
      projection: 'tally-views',
      streamVersion: 2,
      error: 'TallyAdded v2 is not a tally event',
    });
  });

  it('names a type nothing is registered for', async () => {
    const { streams } = customersAndTallies();
    expect(await diagnose(letterOf('Order', 'o-1', 1), streams)).toEqual({
      messageId: 'm-1',
      aggregateType: 'Order',
      streamVersion: 0,
      error: 'No aggregate module is registered for stream type "Order" (stream o-1)',
    });
  });
});
