import { describe, expect, it } from 'vitest';
import {
  seenEvent as event,
  seenProjection as projection,
  type SeenView as Seen,
} from '../../test/support/seen-events.js';
import type { ReadStreamOptions } from './event-store.js';
import { EventGapError } from './projection.js';
import { ViewCatchUp } from './view-catch-up.js';
import { ViewConflictError, type ViewStore } from './view-store.js';

const setUp = (stored: number[], view?: Seen) => {
  const reads: ReadStreamOptions[] = [];
  let current = view;
  const views: ViewStore<Seen> = {
    get: async () => current,
    put: async (id, next, readVersion) => {
      if ((current?.version ?? 0) !== readVersion) throw new ViewConflictError(id, readVersion);
      current = next;
    },
  };
  const events = {
    readStream: async (_id: string, options: ReadStreamOptions = {}) => {
      reads.push(options);
      return stored
        .filter((v) => v >= (options.fromVersion ?? 1) && v <= (options.toVersion ?? Infinity))
        .map(event);
    },
  };
  const catchUp = new ViewCatchUp({ events, views, projection, sleep: async () => {} });
  return { catchUp, reads, view: () => current };
};

describe('ViewCatchUp', () => {
  it('applies what the store holds after the view, in one read to the end of the stream', async () => {
    const { catchUp, reads, view } = setUp([1, 2, 3, 4, 5], { version: 1, ids: ['e1'] });
    expect(await catchUp.catchUp('a', { upTo: 3 })).toEqual({
      status: 'applied',
      version: 5,
      applied: 4,
      lastAppliedAt: '2024-01-01T00:00:00.000Z',
    });
    expect(reads).toEqual([{ fromVersion: 2 }]);
    expect(view()?.ids).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
  });

  it('acknowledges a version the view already holds without reading the store', async () => {
    const { catchUp, reads } = setUp([1, 2], { version: 2, ids: ['e1', 'e2'] });
    expect(await catchUp.catchUp('a', { upTo: 1 })).toMatchObject({
      status: 'already-applied',
      version: 2,
    });
    expect(reads).toEqual([]);
  });

  it('moves a view no further than the store for a version the store does not hold', async () => {
    const { catchUp, reads, view } = setUp([1, 2, 3], { version: 1, ids: ['e1'] });
    expect(await catchUp.catchUp('a', { upTo: 9 })).toMatchObject({
      status: 'applied',
      version: 3,
      applied: 2,
    });
    expect(await catchUp.catchUp('a', { upTo: 9 })).toEqual({
      status: 'already-applied',
      version: 3,
      applied: 0,
    });
    expect(reads).toEqual([{ fromVersion: 2 }, { fromVersion: 4 }]);
    expect(view()?.ids).toEqual(['e1', 'e2', 'e3']);
  });

  it('without a target, catches up to the end of the stream', async () => {
    const { catchUp, view } = setUp([1, 2, 3]);
    expect(await catchUp.catchUp('a')).toMatchObject({ status: 'applied', version: 3 });
    expect(await catchUp.catchUp('a')).toMatchObject({ status: 'already-applied', version: 3 });
    expect(view()?.ids).toEqual(['e1', 'e2', 'e3']);
  });

  it('refuses to skip events the store does not have (yet)', async () => {
    const { catchUp, view } = setUp([1, 3]);
    await expect(catchUp.catchUp('a', { upTo: 3 })).rejects.toBeInstanceOf(EventGapError);
    await expect(catchUp.catchUp('a')).rejects.toBeInstanceOf(EventGapError);
    expect(view()).toBeUndefined();
  });
});
