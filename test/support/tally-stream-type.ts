import { InMemoryEventStore } from '../../src/adapters/memory/in-memory-event-store.js';
import { InMemoryViewStore } from '../../src/adapters/memory/in-memory-view-store.js';
import type { CustomerViewRecord } from '../../src/app/customer/customer-view.js';
import type { EventEnvelope, StreamRef } from '../../src/core/event.js';
import type { StreamCatalog } from '../../src/core/event-store.js';
import type { Projection } from '../../src/core/projection.js';
import { type StoredViewItem, StreamTypes } from '../../src/core/stream-types.js';
import { customerViewsBinding } from './customer-stream-types.js';

/**
 * A made-up second stream type for the consumers' tests: a tally whose events add amounts.
 * Its views are kept apart from the Customer views, and its ids may be a customer's too.
 */
export const TALLY = 'Tally';

export interface TallyView {
  tallyId: string;
  total: number;
  version: number;
}

export const tallyProjection: Projection<TallyView> = {
  evolve(view, envelope) {
    const amount = (envelope.payload as { amount?: unknown }).amount;
    if (envelope.eventType !== 'TallyAdded' || typeof amount !== 'number') {
      throw new TypeError(`${envelope.eventType} v${envelope.version} is not a tally event`);
    }
    return {
      tallyId: envelope.aggregateId,
      total: (view?.total ?? 0) + amount,
      version: envelope.version,
    };
  },
};

export const tallyEvent = (
  aggregateId: string,
  version: number,
  amount: unknown,
  aggregateType = TALLY,
): EventEnvelope => ({
  eventId: `${aggregateType}-${aggregateId}-${version}`,
  aggregateType,
  aggregateId,
  eventType: 'TallyAdded',
  payload: { amount },
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
  version,
  metadata: { correlationId: `c-${aggregateId}`, schemaVersion: 1 },
});

/** Appends one event per amount to a stream of `aggregateType`, after what it holds. */
export const addTallies = async (
  store: InMemoryEventStore,
  aggregateId: string,
  amounts: unknown[],
  aggregateType = TALLY,
): Promise<EventEnvelope[]> => {
  const at = (await store.readStream(aggregateId)).length;
  const events = amounts.map((amount, i) =>
    tallyEvent(aggregateId, at + i + 1, amount, aggregateType),
  );
  await store.append(aggregateId, events, { expectedVersion: at });
  return events;
};

/** The total a correct projector holds: the fold of the amounts. */
export const tallyOf = (aggregateId: string, amounts: number[]): TallyView => ({
  tallyId: aggregateId,
  total: amounts.reduce((sum, n) => sum + n, 0),
  version: amounts.length,
});

/** One catalog over several stores, as the event store's table lists every type's streams. */
export const catalogOf = (...stores: InMemoryEventStore[]): Pick<StreamCatalog, 'listStreams'> => ({
  async *listStreams(options) {
    for (const store of stores) yield* store.listStreams(options);
  },
});

/** Customers and tallies, each in its own store and read model, registered together. */
export const customersAndTallies = () => {
  const customers = new InMemoryEventStore();
  const tallies = new InMemoryEventStore();
  // Another type nothing registers, stored beside them.
  const orders = new InMemoryEventStore();
  const customerViews = new InMemoryViewStore<CustomerViewRecord>();
  const tallyViews = new InMemoryViewStore<TallyView>();
  const itemsOf = (views: InMemoryViewStore<TallyView>) => ({
    get: async (id: string) => {
      const view = await views.get(id);
      return view && ({ ...view } as StoredViewItem);
    },
    async *scan() {
      yield [...views.all().values()].map((view) => ({ ...view }) as StoredViewItem);
    },
    idOf: (item: StoredViewItem) => String(item.tallyId),
  });
  const streams = new StreamTypes([
    {
      type: 'Customer',
      events: customers,
      stored: customers,
      upcast: (e) => e,
      projections: [customerViewsBinding(customerViews)],
    },
    {
      type: TALLY,
      events: tallies,
      stored: tallies,
      upcast: (e) => e,
      projections: [
        {
          name: 'tally-views',
          projection: tallyProjection,
          views: tallyViews,
          audit: itemsOf(tallyViews),
        },
      ],
    },
  ]);
  const catalog = catalogOf(customers, tallies, orders);
  return { customers, tallies, orders, customerViews, tallyViews, streams, catalog };
};

export const refOf = (aggregateType: string, aggregateId: string): StreamRef => ({
  aggregateType,
  aggregateId,
});
