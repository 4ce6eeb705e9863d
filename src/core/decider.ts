import type { DomainEvent } from './event.js';

/** Business logic as three pure functions (no I/O, no clock, no randomness). */
export interface Decider<State, Command, Event extends DomainEvent> {
  initialState(): State;
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
}
