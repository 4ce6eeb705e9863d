import { describe, expect, it } from 'vitest';
import { isServiceError } from './errors.js';
import type { EventEnvelope } from './event.js';
import {
  createUpcaster,
  firstVersion,
  isEventSchemaError,
  UnknownEventTypeError,
  UnknownEventVersionError,
} from './upcasting.js';

type Noted =
  | { type: 'Noted'; data: { text: string; tags: string[]; by: string } }
  | { type: 'Cleared'; data: Record<string, never> };

// Noted v1 {note} → v2 {text} → v3 {text, tags, by}: three steps would be two upcasters.
const upcaster = createUpcaster<Noted>({
  Noted: firstVersion<{ note: string }>()
    .next((v1) => ({ text: v1.note }))
    .next((v2) => ({ ...v2, tags: [] as string[], by: 'unknown' })),
  Cleared: firstVersion<Record<string, never>>(),
});

const envelope = (eventType: string, payload: unknown, schemaVersion: unknown): EventEnvelope =>
  ({
    eventId: 'e-7',
    aggregateId: 'a-1',
    eventType,
    payload,
    timestamp: '2024-01-01T00:00:00.000Z',
    version: 7,
    metadata: { correlationId: 'c', causationId: 'k', schemaVersion },
  }) as EventEnvelope;

describe('createUpcaster', () => {
  it('counts the versions of a chain', () => {
    expect(upcaster.latestVersion('Noted')).toBe(3);
    expect(upcaster.latestVersion('Cleared')).toBe(1);
  });

  it('given v1, then every step in order and the latest schema version', () => {
    expect(upcaster.upcast(envelope('Noted', { note: 'hi' }, 1))).toEqual({
      ...envelope('Noted', { text: 'hi', tags: [], by: 'unknown' }, 3),
    });
  });

  it('given a middle version, then only the steps after it', () => {
    expect(upcaster.upcast(envelope('Noted', { text: 'hi' }, 2)).payload).toEqual({
      text: 'hi',
      tags: [],
      by: 'unknown',
    });
  });

  it('given the latest version, then the same envelope, not a copy', () => {
    const latest = envelope('Noted', { text: 'hi', tags: ['a'], by: 'me' }, 3);
    expect(upcaster.upcast(latest)).toBe(latest);
    expect(upcaster.toEvent(latest)).toEqual({ type: 'Noted', data: latest.payload });
  });

  it('never changes the stored envelope', () => {
    const stored = envelope('Noted', { note: 'hi' }, 1);
    upcaster.upcast(stored);
    expect(stored).toEqual(envelope('Noted', { note: 'hi' }, 1));
  });

  it('refuses an unknown type, naming type, version and place', () => {
    const error = (() => {
      try {
        upcaster.upcast(envelope('Renamed', {}, 1));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect(isEventSchemaError(error) && isServiceError(error)).toBe(true);
    expect(error).toMatchObject({
      eventType: 'Renamed',
      schemaVersion: 1,
      aggregateId: 'a-1',
      version: 7,
      kind: 'unavailable',
      code: 'EVENT_TYPE_UNKNOWN',
    });
    expect((error as Error).message).toBe(
      'Unknown event type Renamed (schema version 1) at event 7 of stream a-1: written by a newer deployment?',
    );
  });

  it.each([4, 0, -1, 1.5, '2', undefined])('refuses schema version %j of a known type', (v) => {
    expect(() => upcaster.toEvent(envelope('Noted', { note: 'x' }, v))).toThrow(
      UnknownEventVersionError,
    );
    expect(() => upcaster.upcast(envelope('Noted', { note: 'x' }, v))).toThrow(
      `Noted schema version ${String(v)} at event 7 of stream a-1 is not one this deployment reads (it knows 1 to 3)`,
    );
  });
});
