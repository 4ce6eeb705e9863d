import { InvalidEventPatternError } from './errors.js';
import { type FieldMatcher, isObject, type JsonScalar, valueMatcher } from './pattern-operators.js';
import { WILDCARD_COMPLEXITY_LIMIT, wildcardComplexity } from './wildcard-complexity.js';

/**
 * EventBridge event-pattern matching, following event-ruler, the engine EventBridge uses.
 * A pattern compiles to branches (one per `$or` alternative), each a set of fields that must
 * all match. A field is named by its dotted path, so `{"a.b": [1]}` and `{"a": {"b": [1]}}`
 * are one field, and so are `{"a.b": 1}` and `{"a": {"b": 1}}` in an event. An array in the
 * event matches when any element does, but the leaves a branch matches inside arrays of
 * objects must come from the same element. Patterns are checked once, when compiled.
 */

/** A pattern as EventBridge stores it: JSON objects whose leaves are arrays of matchers. */
export type EventPattern = { readonly [field: string]: unknown };

export interface CompiledEventPattern {
  readonly pattern: EventPattern;
  matches(event: unknown): boolean;
}

interface Field {
  /** The dotted path EventBridge matches on. */
  readonly name: string;
  readonly matchers: readonly FieldMatcher[];
}

/** Fields by name; a name given twice in one branch keeps the last, as EventBridge does. */
type Branch = ReadonlyMap<string, Field>;

const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
]);

const TOO_COMPLEX =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

const refuse = (label: readonly string[], reason: string): never => {
  throw new InvalidEventPatternError(label.join('.'), reason);
};

/**
 * Adds the fields of one pattern object to every branch so far. `path` is the event path,
 * `label` the pattern path named in refusals (it keeps `$or[n]`, the event path does not).
 */
const compileObject = (
  pattern: Record<string, unknown>,
  branches: Branch[],
  path: readonly string[],
  label: readonly string[],
  insideOr: boolean,
): Branch[] => {
  const keys = Object.keys(pattern);
  if (keys.length === 0) refuse(label, 'Empty objects are not allowed');
  let current = branches;
  for (const key of keys) {
    const value = pattern[key];
    const childLabel = [...label, key];
    if (key === '$or') {
      if (!Array.isArray(value))
        return refuse(childLabel, 'It must be an Array followed with $or.');
      const alternatives = value.flatMap((alternative, at) => {
        if (!isObject(alternative))
          refuse(childLabel, 'Only JSON object is allowed in array of $or relationship.');
        return compileObject(
          alternative as Record<string, unknown>,
          current,
          path,
          [...label, `$or[${at}]`],
          true,
        );
      });
      if (value.length < 2)
        refuse(childLabel, 'There must have at least 2 Objects in $or relationship.');
      current = alternatives;
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key))
      refuse(childLabel, `${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    const childPath = [...path, key];
    if (isObject(value)) {
      current = compileObject(value, current, childPath, childLabel, insideOr);
    } else if (Array.isArray(value)) {
      if (value.length === 0) refuse(childLabel, 'Empty arrays are not allowed');
      const field: Field = {
        name: childPath.join('.'),
        matchers: value.map((matcher) => valueMatcher(matcher, childLabel.join('.'))),
      };
      current = current.map((branch) => new Map(branch).set(field.name, field));
    } else {
      refuse(childLabel, `"${key}" must be an object or an array`);
    }
  }
  return current;
};

const checkComplexity = (branches: readonly Branch[]): void => {
  for (const branch of branches) {
    for (const field of branch.values()) {
      const wildcards = field.matchers.flatMap((matcher) => matcher.wildcards ?? []);
      if (wildcards.length > 0 && wildcardComplexity(wildcards) > WILDCARD_COMPLEXITY_LIMIT)
        throw new InvalidEventPatternError(field.name, TOO_COMPLEX);
    }
  }
};

/** A leaf of the event and, for each array it sits in, the element it came from. */
interface Leaf {
  readonly value: JsonScalar;
  readonly elements: ReadonlyMap<number, number>;
}

/** Every leaf of the event by dotted name; objects are walked, arrays fanned out. */
const flatten = (event: unknown): Map<string, Leaf[]> => {
  const leaves = new Map<string, Leaf[]>();
  let arrays = 0;
  const walk = (node: unknown, name: string, elements: ReadonlyMap<number, number>): void => {
    if (Array.isArray(node)) {
      const array = arrays++;
      node.forEach((item, at) => {
        walk(item, name, new Map(elements).set(array, at));
      });
    } else if (isObject(node)) {
      for (const [key, child] of Object.entries(node))
        walk(child, name === '' ? key : `${name}.${key}`, elements);
    } else if (name !== '') {
      const found = leaves.get(name) ?? [];
      found.push({ value: node as JsonScalar, elements });
      leaves.set(name, found);
    }
  };
  walk(event, '', new Map());
  return leaves;
};

const consistent = (leaf: Leaf, chosen: ReadonlyMap<number, number>): boolean => {
  for (const [array, at] of leaf.elements) {
    const taken = chosen.get(array);
    if (taken !== undefined && taken !== at) return false;
  }
  return true;
};

/** Whether each field can be met, its leaves drawn from one element of every shared array. */
const branchHolds = (
  fields: readonly Field[],
  leaves: ReadonlyMap<string, Leaf[]>,
  chosen: ReadonlyMap<number, number>,
): boolean => {
  const [field, ...rest] = fields;
  if (field === undefined) return true;
  const found = leaves.get(field.name) ?? [];
  if (found.length === 0 && field.matchers.some((matcher) => matcher.absent)) {
    if (branchHolds(rest, leaves, chosen)) return true;
  }
  for (const leaf of found) {
    if (!consistent(leaf, chosen)) continue;
    if (!field.matchers.some((matcher) => matcher.test?.(leaf.value))) continue;
    const next = new Map(chosen);
    for (const [array, at] of leaf.elements) next.set(array, at);
    if (branchHolds(rest, leaves, next)) return true;
  }
  return false;
};

/** Checks a pattern as PutRule would and returns its matcher; throws `InvalidEventPatternError`. */
export const compileEventPattern = (pattern: unknown): CompiledEventPattern => {
  if (!isObject(pattern)) throw new InvalidEventPatternError('', 'Filter is not an object');
  const branches = compileObject(pattern, [new Map()], [], [], false).map((branch) => [
    ...branch.values(),
  ]);
  checkComplexity(branches.map((fields) => new Map(fields.map((field) => [field.name, field]))));
  return {
    pattern: pattern as EventPattern,
    matches: (event) => {
      const leaves = flatten(event);
      return branches.some((fields) => branchHolds(fields, leaves, new Map()));
    },
  };
};

/** One-off matching, as EventBridge's TestEventPattern answers it. */
export const matchesEventPattern = (pattern: unknown, event: unknown): boolean =>
  compileEventPattern(pattern).matches(event);
