import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from './event.js';
import type { VersionedView } from './projection.js';
import {
  type ProjectionBinding,
  StreamTypes,
  UnregisteredStreamTypeError,
} from './stream-types.js';
import type { ViewStore } from './view-store.js';

const projection = {
  evolve: (_: VersionedView | undefined, e: { version: number }) => ({ version: e.version }),
};
const noEvents = { readStream: async (): Promise<EventEnvelope[]> => [] };
const same = (e: EventEnvelope) => e;
const viewStore = (): ViewStore<VersionedView> => ({
  get: async () => undefined,
  put: async () => {},
});

const binding = (
  name: string,
  tables?: Map<string, ViewStore<VersionedView>>,
): ProjectionBinding => ({
  name,
  projection,
  views: viewStore(),
  ...(tables
    ? {
        into: (table: string) => {
          const views = viewStore();
          tables.set(table, views);
          return { name, projection, views };
        },
      }
    : {}),
});

describe('StreamTypes', () => {
  it('refuses a type or a read model registered twice', () => {
    const type = { type: 'A', events: noEvents, stored: noEvents, upcast: same, projections: [] };
    expect(() => new StreamTypes([type, type])).toThrow('stream type A registered twice');
    expect(
      () =>
        new StreamTypes([
          { ...type, projections: [binding('views')] },
          { ...type, type: 'B', projections: [binding('views')] },
        ]),
    ).toThrow('projection views registered twice');
  });

  it('names an unregistered type in its error', () => {
    const types = new StreamTypes([]);
    expect(() => types.get('Order', 'o-1')).toThrow(UnregisteredStreamTypeError);
    expect(() => types.get('Order', 'o-1')).toThrow('"Order" (stream o-1)');
  });

  it('into: one read model written into another table, the other types feeding nothing', () => {
    const tables = new Map<string, ViewStore<VersionedView>>();
    const types = new StreamTypes([
      {
        type: 'A',
        events: noEvents,
        stored: noEvents,
        upcast: same,
        projections: [binding('a-views', tables), binding('a-more')],
      },
      {
        type: 'B',
        events: noEvents,
        stored: noEvents,
        upcast: same,
        projections: [binding('b-views')],
      },
    ]);

    const moved = types.into('a-views', 'a-views-v2');

    expect(moved.types).toEqual(['A', 'B']);
    expect(moved.projections.map(({ type, projection }) => [type.type, projection.name])).toEqual([
      ['A', 'a-views'],
    ]);
    expect(moved.projections[0]?.projection.views).toBe(tables.get('a-views-v2'));
    expect(() => types.into('nothing', 't')).toThrow('no read model is registered as nothing');
    expect(() => types.into('b-views', 't')).toThrow('cannot be rebuilt into another table');
  });
});
