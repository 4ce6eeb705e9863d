import { InvalidEventPatternError } from './errors.js';
import { type FieldMatcher, isObject, type JsonScalar, valueMatcher } from './pattern-operators.js';

/**
 * EventBridge event-pattern matching, for the operators this service's rules use and the
 * core set around them: exact values (an array is an OR), `prefix`, `suffix`,
 * `equals-ignore-case`, `wildcard`, `anything-but` (a value, a list, or a string operator),
 * `exists`, `numeric` and `$or`. Fields are ANDed, nested objects match nested fields, and
 * an array in the event matches when any of its elements does. Patterns are checked once,
 * when compiled, with an error naming the offending field, as PutRule would refuse them.
 */

/** A pattern as EventBridge stores it: JSON objects whose leaves are arrays of matchers. */
export type EventPattern = { readonly [field: string]: unknown };

export interface CompiledEventPattern {
  readonly pattern: EventPattern;
  matches(event: unknown): boolean;
}

type Condition =
  | { kind: 'field'; path: readonly string[]; matchers: FieldMatcher[] }
  | { kind: 'or'; alternatives: Condition[][] };

const fieldName = (path: readonly string[]): string => path.join('.');

const compileObject = (pattern: unknown, path: readonly string[]): Condition[] => {
  const field = fieldName(path);
  if (!isObject(pattern)) throw new InvalidEventPatternError(field, 'must be a JSON object');
  const keys = Object.keys(pattern);
  if (keys.length === 0) throw new InvalidEventPatternError(field, 'must not be empty');
  return keys.flatMap((key): Condition[] => {
    const value = pattern[key];
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw new InvalidEventPatternError(fieldName([...path, key]), 'takes two or more patterns');
      const or: Condition = {
        kind: 'or',
        alternatives: value.map((alternative, at) =>
          compileObject(alternative, [...path, `$or[${at}]`]).map((condition) =>
            // Alternatives name their fields from where the `$or` stands, not from `$or[n]`.
            rebase(condition, path, [...path, `$or[${at}]`]),
          ),
        ),
      };
      return [or];
    }
    const childPath = [...path, key];
    if (Array.isArray(value)) {
      if (value.length === 0)
        throw new InvalidEventPatternError(fieldName(childPath), 'empty arrays are not allowed');
      const matchers = value.map((matcher) => valueMatcher(matcher, fieldName(childPath)));
      return [{ kind: 'field', path: childPath, matchers }];
    }
    // Fields of a nested object are ANDed with their siblings.
    if (isObject(value)) return compileObject(value, childPath);
    throw new InvalidEventPatternError(
      fieldName(childPath),
      'must be an array of match values or a nested pattern object',
    );
  });
};

/** Moves a condition compiled under `from` to match the event under `to`. */
const rebase = (
  condition: Condition,
  to: readonly string[],
  from: readonly string[],
): Condition => {
  switch (condition.kind) {
    case 'field':
      return { ...condition, path: [...to, ...condition.path.slice(from.length)] };
    case 'or':
      return {
        kind: 'or',
        alternatives: condition.alternatives.map((conditions) =>
          conditions.map((inner) => rebase(inner, to, from)),
        ),
      };
    default: {
      const unreachable: never = condition;
      return unreachable;
    }
  }
};

/** Every leaf value at `path`, looking into arrays at any depth as EventBridge does. */
const leafValues = (
  node: unknown,
  path: readonly string[],
  depth: number,
  found: JsonScalar[],
): JsonScalar[] => {
  if (Array.isArray(node)) {
    for (const item of node) leafValues(item, path, depth, found);
    return found;
  }
  const key = path[depth];
  if (key === undefined) {
    // Comparisons and `exists` work on leaves only; an object where a leaf is expected is no match.
    if (!isObject(node)) found.push(node as JsonScalar);
    return found;
  }
  if (isObject(node) && Object.hasOwn(node, key)) leafValues(node[key], path, depth + 1, found);
  return found;
};

const holds = (condition: Condition, event: unknown): boolean => {
  switch (condition.kind) {
    case 'field': {
      const values = leafValues(event, condition.path, 0, []);
      return condition.matchers.some((matcher) => matcher(values));
    }
    case 'or':
      return condition.alternatives.some((conditions) =>
        conditions.every((inner) => holds(inner, event)),
      );
    default: {
      const unreachable: never = condition;
      return unreachable;
    }
  }
};

/** Checks a pattern as PutRule would and returns its matcher; throws `InvalidEventPatternError`. */
export const compileEventPattern = (pattern: unknown): CompiledEventPattern => {
  const conditions = compileObject(pattern, []);
  return {
    pattern: pattern as EventPattern,
    matches: (event) => conditions.every((condition) => holds(condition, event)),
  };
};

/** One-off matching, as EventBridge's TestEventPattern answers it. */
export const matchesEventPattern = (pattern: unknown, event: unknown): boolean =>
  compileEventPattern(pattern).matches(event);
