import type { DomainEvent, EventEnvelope } from '../core/event.js';
import type { UniqueClaim } from '../core/event-store.js';
import type { AggregateCommand, CommandModel } from './aggregate-commands.js';

const keyOf = (claim: UniqueClaim) => `${claim.scope}\u0000${claim.value}`;

/**
 * The unique values a stream holds now, found by replaying its events through the module's
 * own uniqueness rule one at a time, as the command side took and gave them up: what
 * `encrypt-legacy` moves to their hashed keys. None for a module without the rule.
 */
export const heldClaimsOf =
  <State, Command extends AggregateCommand, Event extends DomainEvent>(
    model: Pick<CommandModel<State, Command, Event>, 'decider' | 'upcaster' | 'uniqueness'>,
  ) =>
  (events: readonly EventEnvelope[]): UniqueClaim[] => {
    const { decider, upcaster, uniqueness } = model;
    if (!uniqueness) return [];
    const held = new Map<string, UniqueClaim>();
    let state = decider.initialState();
    for (const envelope of events) {
      const event = upcaster.toEvent(envelope);
      const { claims, releases } = uniqueness(state, [event]);
      for (const release of releases) held.delete(keyOf(release));
      for (const claim of claims) held.set(keyOf(claim), claim);
      state = decider.evolve(state, event);
    }
    return [...held.values()];
  };
