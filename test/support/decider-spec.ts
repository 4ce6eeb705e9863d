import { expect } from 'vitest';
import type { Decider } from '../../src/core/decider.js';
import type { DomainEvent } from '../../src/core/event.js';

/** Given these events, when this command, then these events (or this error). */
export const deciderSpec =
  <State, Command, Event extends DomainEvent>(decider: Decider<State, Command, Event>) =>
  (given: Event[]) => ({
    when: (command: Command) => {
      const run = () =>
        decider.decide(command, given.reduce(decider.evolve, decider.initialState()));
      return {
        thenEvents: (expected: Event[]) => expect(run()).toEqual(expected),
        thenThrows: (error: abstract new (...args: never[]) => Error) => expect(run).toThrow(error),
      };
    },
  });
