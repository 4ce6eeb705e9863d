import type { EventEnvelope } from '../../src/core/event.js';
import type { Projection } from '../../src/core/projection.js';

/** A view that remembers which events built it, to check order, duplicates and gaps. */
export interface SeenView {
  version: number;
  ids: string[];
}

export const seenProjection: Projection<SeenView> = {
  evolve: (view, e) => ({ version: e.version, ids: [...(view?.ids ?? []), e.eventId] }),
};

/** Event `e<version>` of stream `a`. */
export const seenEvent = (version: number): EventEnvelope => ({
  eventId: `e${version}`,
  aggregateType: 'Customer',
  aggregateId: 'a',
  eventType: 'Happened',
  payload: {},
  timestamp: '2024-01-01T00:00:00.000Z',
  version,
  metadata: { correlationId: 'c', schemaVersion: 1 },
});
