import { describe, expect, it } from 'vitest';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { InMemoryEventStore } from '../adapters/memory/in-memory-event-store.js';
import { InMemoryViewStore } from '../adapters/memory/in-memory-view-store.js';
import type { EventEnvelope } from '../core/event.js';
import { applyEnvelopes } from '../core/projection.js';
import { type CustomerViewRecord, customerViewProjection } from './customer/customer-view.js';
import { rebuildViews } from './rebuild.js';

const envelope = (
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion = 1,
): EventEnvelope => ({
  eventId: `e-${version}`,
  aggregateType: 'Customer',
  aggregateId: 'c-1',
  eventType,
  payload,
  timestamp: `2026-12-01T00:00:0${version}.000Z`,
  version,
  metadata: { correlationId: 'corr', schemaVersion },
});

/** As a forgotten customer's stream reads once its key is gone. */
const forgottenStream = [
  envelope(1, 'CustomerRegistered', { email: '[forgotten]', name: '[forgotten]' }, 2),
  envelope(2, 'CustomerSuspended', { reasonCode: 'FRAUD', note: '[forgotten]' }, 3),
  envelope(3, 'CustomerForgotten', {}),
];
const tombstone = {
  customerId: 'c-1',
  status: 'FORGOTTEN',
  version: 3,
  lastUpdated: '2026-12-01T00:00:03.000Z',
};

describe('the view of a forgotten customer', () => {
  it('is a tombstone without email, name or note', () => {
    const view = applyEnvelopes(customerViewProjection, undefined, forgottenStream);
    expect(view).toEqual(tombstone);
  });

  it('replaces a view that held the customer’s data', () => {
    const live = applyEnvelopes(customerViewProjection, undefined, [
      envelope(1, 'CustomerRegistered', { email: 'ada@example.com', name: 'Ada' }, 2),
      envelope(2, 'CustomerSuspended', { reasonCode: 'FRAUD', note: 'n' }, 3),
    ]);
    expect(live).toMatchObject({ email: 'ada@example.com' });
    const after = applyEnvelopes(customerViewProjection, live, forgottenStream);
    expect(after).toEqual(tombstone);
    expect(JSON.stringify(after)).not.toContain('ada');
  });

  it('stays a tombstone whatever is redelivered or follows', () => {
    let view: CustomerViewRecord | undefined = applyEnvelopes(
      customerViewProjection,
      undefined,
      forgottenStream,
    );
    view = applyEnvelopes(customerViewProjection, view, forgottenStream);
    view = customerViewProjection.evolve(view, envelope(4, 'CustomerReactivated', {}));
    expect(view).toEqual({ ...tombstone, version: 4, lastUpdated: '2026-12-01T00:00:04.000Z' });
  });

  it('is what a late notification of an earlier event folds to once the key is gone', () => {
    // Only the registration, as read after the key was deleted: no view of markers.
    const early = applyEnvelopes(customerViewProjection, undefined, forgottenStream.slice(0, 1));
    expect(early).toEqual({
      customerId: 'c-1',
      status: 'FORGOTTEN',
      version: 1,
      lastUpdated: '2026-12-01T00:00:01.000Z',
    });
    expect(applyEnvelopes(customerViewProjection, early, forgottenStream.slice(1))).toEqual(
      tombstone,
    );
  });

  it('keeps a customer whose name happens to read like the marker', () => {
    const view = applyEnvelopes(customerViewProjection, undefined, [
      envelope(1, 'CustomerRegistered', { email: 'x@example.com', name: '[forgotten]' }, 2),
    ]);
    expect(view).toMatchObject({ status: 'ACTIVE', name: '[forgotten]' });
  });

  it('is what a rebuild from scratch folds the stream to', async () => {
    const events = new InMemoryEventStore();
    await events.append('c-1', forgottenStream, { expectedVersion: 0 });
    const views = new InMemoryViewStore<CustomerViewRecord>();
    await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
    expect(await views.get('c-1')).toEqual(tombstone);
    await rebuildViews({ catalog: events, streams: customerStreams(events, views) });
    expect(await views.get('c-1')).toEqual(tombstone);
  });
});
