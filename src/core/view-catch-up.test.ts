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
  it('applies the next event it was given without reading the store', async () => {
    const { catchUp, reads, view } = setUp([1, 2], { version: 1, ids: ['e1'] });
    expect(await catchUp.catchUp('a', { upTo: 2, known: event(2) })).toEqual({
      status: 'applied',
      version: 2,
      applied: 1,
    });
    expect(reads).toEqual([]);
    expect(view()).toEqual({ version: 2, ids: ['e1', 'e2'] });
  });

  it('reads only the missing range before the event it was given', async () => {
    const { catchUp, reads, view } = setUp([1, 2, 3, 4, 5], { version: 1, ids: ['e1'] });
    await catchUp.catchUp('a', { upTo: 4, known: event(4) });
    expect(reads).toEqual([{ fromVersion: 2, toVersion: 3 }]);
    expect(view()?.ids).toEqual(['e1', 'e2', 'e3', 'e4']);
  });

  it('acknowledges an event the view already holds', async () => {
    const { catchUp, reads } = setUp([1, 2], { version: 2, ids: ['e1', 'e2'] });
    expect(await catchUp.catchUp('a', { upTo: 1, known: event(1) })).toMatchObject({
      status: 'already-applied',
      version: 2,
    });
    expect(reads).toEqual([]);
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
    await expect(catchUp.catchUp('a', { upTo: 5 })).rejects.toBeInstanceOf(EventGapError);
    expect(view()).toBeUndefined();
  });
});
