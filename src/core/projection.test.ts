import { describe, expect, it } from 'vitest';
import { seenProjection as counter, seenEvent as event } from '../../test/support/seen-events.js';
import { applyEnvelopes, EventGapError, placeEvent } from './projection.js';

describe('placeEvent', () => {
  it('says already applied, next or gap', () => {
    expect(placeEvent(3, 2)).toBe('applied');
    expect(placeEvent(3, 3)).toBe('applied');
    expect(placeEvent(3, 4)).toBe('next');
    expect(placeEvent(3, 6)).toBe('gap');
    expect(placeEvent(0, 1)).toBe('next');
  });
});

describe('applyEnvelopes', () => {
  it('applies events in order and skips those already in the view', () => {
    const view = applyEnvelopes(
      counter,
      { version: 2, ids: ['e1', 'e2'] },
      [1, 2, 3, 4].map(event),
    );
    expect(view).toEqual({ version: 4, ids: ['e1', 'e2', 'e3', 'e4'] });
  });

  it('refuses a gap', () => {
    expect(() => applyEnvelopes(counter, undefined, [event(1), event(3)])).toThrow(EventGapError);
  });

  it('leaves the view alone when nothing is new', () => {
    const view = { version: 2, ids: ['e1', 'e2'] };
    expect(applyEnvelopes(counter, view, [event(1)])).toBe(view);
    expect(applyEnvelopes(counter, undefined, [])).toBeUndefined();
  });
});
