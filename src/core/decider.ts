import type { DomainEvent } from './event.js';

/** Business logic as three pure functions (no I/O, no clock, no randomness). */
export interface Decider<State, Command, Event extends DomainEvent> {
  initialState(): State;
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
}

export const fold = <State, Event extends DomainEvent>(
  decider: Pick<Decider<State, never, Event>, 'evolve'>,
  state: State,
  events: Iterable<Event>,
): State => {
  let current = state;
  for (const event of events) current = decider.evolve(current, event);
  return current;
};
