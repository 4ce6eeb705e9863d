import { InvalidEventPatternError } from './errors.js';

/**
 * The matchers of one field of an event pattern: exact values and the operators, each
 * checked once when compiled, with an error naming the field.
 */

export type JsonScalar = string | number | boolean | null;

/** Decides one field from every leaf value found at its path (none when it is absent). */
export type FieldMatcher = (values: readonly JsonScalar[]) => boolean;

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

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

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

/** One element of a pattern's array: a value to equal, or an object holding one operator. */
export const valueMatcher = (matcher: unknown, field: string): FieldMatcher => {
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
