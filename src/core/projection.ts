import type { EventEnvelope } from './event.js';

/** A read model folded from one stream; `version` is the last event applied to it. */
export interface VersionedView {
  version: number;
}

/** How a view is born and grows: a left fold over its stream's envelopes, pure. */
export interface Projection<View extends VersionedView> {
  /** Applies the event right after `view` (undefined before the stream's first event). */
  evolve(view: View | undefined, envelope: EventEnvelope): View;
}

/** Where an event falls relative to a view: already in it, next in line, or beyond a gap. */
export type Placement = 'applied' | 'next' | 'gap';

export const versionOf = (view: VersionedView | undefined): number => view?.version ?? 0;

export const placeEvent = (viewVersion: number, eventVersion: number): Placement => {
  if (eventVersion <= viewVersion) return 'applied';
  return eventVersion === viewVersion + 1 ? 'next' : 'gap';
};

/** Events between a view and the event that reached it are missing. */
export class EventGapError extends Error {
  constructor(
    readonly aggregateId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | undefined,
  ) {
    super(
      actualVersion === undefined
        ? `Stream ${aggregateId} has no event ${expectedVersion}`
        : `Stream ${aggregateId} jumps to event ${actualVersion}, expected ${expectedVersion}`,
    );
    this.name = 'EventGapError';
  }
}

/**
 * Applies envelopes in version order. Those already in the view are skipped, so a
 * redelivered event never rewinds it; a gap is refused rather than papered over.
 */
export const applyEnvelopes = <View extends VersionedView>(
  projection: Projection<View>,
  view: View | undefined,
  envelopes: Iterable<EventEnvelope>,
): View | undefined => {
  let current = view;
  for (const envelope of envelopes) {
    const at = versionOf(current);
    const placement = placeEvent(at, envelope.version);
    if (placement === 'applied') continue;
    if (placement === 'gap')
      throw new EventGapError(envelope.aggregateId, at + 1, envelope.version);
    current = projection.evolve(current, envelope);
  }
  return current;
};
