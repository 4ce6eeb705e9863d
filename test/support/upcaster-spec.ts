import { expect } from 'vitest';
import type { DomainEvent, EventEnvelope } from '../../src/core/event.js';
import { createUpcaster, type EventVersionRegistry } from '../../src/core/upcasting.js';

/** What the helper checks the lifted event against: the domain's schema of the latest shapes. */
export interface LatestShape {
  safeParse(input: unknown): { success: boolean; error?: unknown };
}

/**
 * Given a payload stored at some version of an event type, then the event every reader gets:
 * this exact latest-shape payload, stamped with the latest schema version, valid for the
 * domain's schema. It runs the production path (`createUpcaster(registry).upcast`).
 */
export const upcasterSpec = <Event extends DomainEvent>(
  registry: EventVersionRegistry<Event>,
  latestShape: LatestShape,
) => {
  const upcaster = createUpcaster(registry);
  return <Type extends Event['type']>(eventType: Type) => ({
    given: (payload: unknown, schemaVersion = 1) => ({
      thenLatest: (expected: Extract<Event, { type: Type }>['data']) => {
        const envelope: EventEnvelope = {
          eventId: 'e-1',
          aggregateType: 'Customer',
          aggregateId: 'a-1',
          eventType,
          payload: structuredClone(payload),
          timestamp: '2024-01-01T00:00:00.000Z',
          version: 1,
          metadata: { correlationId: 'c-1', schemaVersion },
        };
        const lifted = upcaster.upcast(envelope);
        expect(lifted.payload).toEqual(expected);
        expect(lifted.metadata.schemaVersion).toBe(upcaster.latestVersion(eventType));
        const parsed = latestShape.safeParse({ type: eventType, data: lifted.payload });
        expect(parsed.success, `latest shape of ${eventType}: ${String(parsed.error)}`).toBe(true);
        // Upcasters are pure: the stored payload is left as it was.
        expect(envelope.payload).toEqual(payload);
      },
    }),
  });
};
