import { InvalidEventPatternError } from './errors.js';

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

type JsonScalar = string | number | boolean | null;

export interface CompiledEventPattern {
  readonly pattern: EventPattern;
  matches(event: unknown): boolean;
}

/** Decides one field from every leaf value found at its path (none when it is absent). */
type FieldMatcher = (values: readonly JsonScalar[]) => boolean;

type Condition =
  | { kind: 'field'; path: readonly string[]; matchers: FieldMatcher[] }
  | { kind: 'or'; alternatives: Condition[][] };

const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'exists',
  'numeric',
] as const;
type Operator = (typeof OPERATORS)[number];
const isOperator = (name: string): name is Operator =>
  (OPERATORS as readonly string[]).includes(name);

const STRING_OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'] as const;
type StringOperator = (typeof STRING_OPERATORS)[number];
const isStringOperator = (name: string): name is StringOperator =>
  (STRING_OPERATORS as readonly string[]).includes(name);

const NUMERIC_OPERATORS = ['=', '<', '<=', '>', '>='] as const;
type NumericOperator = (typeof NUMERIC_OPERATORS)[number];
const isNumericOperator = (value: unknown): value is NumericOperator =>
  (NUMERIC_OPERATORS as readonly unknown[]).includes(value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const fieldName = (path: readonly string[]): string => path.join('.');

const anyValue =
  (test: (value: JsonScalar) => boolean): FieldMatcher =>
  (values) =>
    values.some(test);

const lower = (text: string): string => text.toLowerCase();

const wildcardRegExp = (glob: string, field: string): RegExp => {
  if (glob.includes('**'))
    throw new InvalidEventPatternError(field, 'consecutive wildcard characters are not allowed');
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
};

/** `prefix`, `suffix`, `equals-ignore-case` and `wildcard`, which only ever match strings. */
const stringTest = (
  operator: StringOperator,
  argument: unknown,
  field: string,
): ((text: string) => boolean) => {
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      const ends = operator === 'prefix' ? 'startsWith' : 'endsWith';
      if (typeof argument === 'string') return (text) => text[ends](argument);
      if (
        isObject(argument) &&
        Object.keys(argument).length === 1 &&
        typeof argument['equals-ignore-case'] === 'string'
      ) {
        const folded = lower(argument['equals-ignore-case']);
        return (text) => lower(text)[ends](folded);
      }
      throw new InvalidEventPatternError(
        field,
        `${operator} takes a string or {"equals-ignore-case": string}`,
      );
    }
    case 'equals-ignore-case': {
      if (typeof argument !== 'string')
        throw new InvalidEventPatternError(field, 'equals-ignore-case takes a string');
      const folded = lower(argument);
      return (text) => lower(text) === folded;
    }
    case 'wildcard': {
      if (typeof argument !== 'string')
        throw new InvalidEventPatternError(field, 'wildcard takes a string');
      const regExp = wildcardRegExp(argument, field);
      return (text) => regExp.test(text);
    }
    default: {
      const unreachable: never = operator;
      throw new InvalidEventPatternError(field, `unknown operator ${String(unreachable)}`);
    }
  }
};

const anythingBut = (argument: unknown, field: string): FieldMatcher => {
  if (typeof argument === 'string' || typeof argument === 'number')
    return anyValue((value) => value !== argument);
  if (Array.isArray(argument)) {
    const allStrings = argument.every((item) => typeof item === 'string');
    const allNumbers = argument.every((item) => typeof item === 'number');
    if (argument.length === 0 || !(allStrings || allNumbers))
      throw new InvalidEventPatternError(
        field,
        'anything-but takes a non-empty list of only strings or only numbers',
      );
    const excluded = new Set<unknown>(argument);
    return anyValue((value) => !excluded.has(value));
  }
  if (isObject(argument)) {
    const [operator, ...rest] = Object.keys(argument);
    if (operator !== undefined && rest.length === 0 && isStringOperator(operator)) {
      const test = stringTest(operator, argument[operator], field);
      return anyValue((value) => typeof value === 'string' && !test(value));
    }
  }
  throw new InvalidEventPatternError(
    field,
    'anything-but takes a string, a number, a list of them, or one of prefix, suffix, equals-ignore-case, wildcard',
  );
};

const numericRange = (argument: unknown, field: string): FieldMatcher => {
  const invalid = (reason: string) => new InvalidEventPatternError(field, `numeric ${reason}`);
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4))
    throw invalid('takes one or two [operator, number] pairs, e.g. [">", 0, "<=", 5]');
  const bounds: { operator: NumericOperator; limit: number }[] = [];
  for (let at = 0; at < argument.length; at += 2) {
    const operator: unknown = argument[at];
    const limit: unknown = argument[at + 1];
    if (!isNumericOperator(operator))
      throw invalid(`operator ${JSON.stringify(operator)} is not one of ${NUMERIC_OPERATORS}`);
    if (typeof limit !== 'number' || !Number.isFinite(limit))
      throw invalid(`${operator} needs a finite number`);
    bounds.push({ operator, limit });
  }
  const [first, second] = bounds;
  if (second && first) {
    const lowerBound = [first, second].find((b) => b.operator === '>' || b.operator === '>=');
    const upperBound = [first, second].find((b) => b.operator === '<' || b.operator === '<=');
    if (!lowerBound || !upperBound)
      throw invalid('with two pairs needs one lower bound (> or >=) and one upper bound (< or <=)');
    if (lowerBound.limit >= upperBound.limit) throw invalid('lower bound must be below the upper');
  }
  const holds = ({ operator, limit }: (typeof bounds)[number], value: number): boolean => {
    switch (operator) {
      case '=':
        return value === limit;
      case '<':
        return value < limit;
      case '<=':
        return value <= limit;
      case '>':
        return value > limit;
      case '>=':
        return value >= limit;
      default: {
        const unreachable: never = operator;
        throw new InvalidEventPatternError(field, `unknown numeric operator ${unreachable}`);
      }
    }
  };
  return anyValue(
    (value) => typeof value === 'number' && bounds.every((bound) => holds(bound, value)),
  );
};

const operatorMatcher = (operator: Operator, argument: unknown, field: string): FieldMatcher => {
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard': {
      const test = stringTest(operator, argument, field);
      return anyValue((value) => typeof value === 'string' && test(value));
    }
    case 'anything-but':
      return anythingBut(argument, field);
    case 'exists':
      if (typeof argument !== 'boolean')
        throw new InvalidEventPatternError(field, 'exists takes true or false');
      return argument ? (values) => values.length > 0 : (values) => values.length === 0;
    case 'numeric':
      return numericRange(argument, field);
    default: {
      const unreachable: never = operator;
      throw new InvalidEventPatternError(field, `unknown operator ${String(unreachable)}`);
    }
  }
};

const valueMatcher = (matcher: unknown, field: string): FieldMatcher => {
  if (matcher === null || typeof matcher === 'string' || typeof matcher === 'boolean')
    return anyValue((value) => value === matcher);
  if (typeof matcher === 'number') {
    if (!Number.isFinite(matcher)) throw new InvalidEventPatternError(field, 'numbers are finite');
    return anyValue((value) => value === matcher);
  }
  if (Array.isArray(matcher))
    throw new InvalidEventPatternError(field, 'match values cannot be nested arrays');
  if (!isObject(matcher))
    throw new InvalidEventPatternError(field, `unsupported match value ${String(matcher)}`);
  const [operator, ...rest] = Object.keys(matcher);
  if (operator === undefined || rest.length > 0)
    throw new InvalidEventPatternError(field, 'a match object holds exactly one operator');
  if (!isOperator(operator))
    throw new InvalidEventPatternError(field, `unsupported operator "${operator}"`);
  return operatorMatcher(operator, matcher[operator], field);
};

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
