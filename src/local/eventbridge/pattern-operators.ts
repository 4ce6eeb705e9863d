import { InvalidEventPatternError } from './errors.js';
import { ipBytes, parseCidr, sameIpAddress } from './ip-address.js';

/**
 * The matchers of one field of an event pattern: exact values and the operators, each
 * checked once when compiled. Refusals carry event-ruler's reasons, which EventBridge
 * returns in `InvalidEventPatternException`. Semantics follow event-ruler, which compares an
 * event's leaf by its JSON text: string operators (`prefix`, `wildcard`, …) match strings
 * only, while every `anything-but` form matches any value that is not excluded, so null,
 * booleans and numbers pass `{"anything-but": {"prefix": "x"}}`.
 */

export type JsonScalar = string | number | boolean | null;

/** One element of a field's array: what a present leaf must satisfy, or absence. */
export interface FieldMatcher {
  /** Tests one leaf value found at the field's path. */
  readonly test?: (value: JsonScalar) => boolean;
  /** `{"exists": false}`: the field has no leaf at all. */
  readonly absent?: true;
  /** Wildcard expressions, measured together for the rule's complexity. */
  readonly wildcards?: readonly string[];
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isString = (value: JsonScalar): value is string => typeof value === 'string';
const lower = (text: string): string => text.toLowerCase();

type Refuse = (reason: string) => never;

const refuser =
  (field: string): Refuse =>
  (reason) => {
    throw new InvalidEventPatternError(field, reason);
  };

/** Checks a wildcard expression as event-ruler parses it; positions count the opening quote. */
const wildcardTest = (glob: string, refuse: Refuse): ((text: string) => boolean) => {
  const bytes = Buffer.from(`"${glob}"`, 'utf8');
  for (let at = 0; at < bytes.length; at += 1) {
    if (bytes[at] === 0x2a && bytes[at + 1] === 0x2a)
      refuse(`Consecutive wildcard characters at pos ${at}`);
    if (bytes[at] === 0x5c) {
      if (bytes[at + 1] !== 0x2a && bytes[at + 1] !== 0x5c)
        refuse(`Invalid escape character at pos ${at}`);
      at += 1;
    }
  }
  const body = glob
    .split(/(\\[*\\]|\*)/)
    .map((part) =>
      part === '*' ? '.*' : part.replace(/^\\/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  const regExp = new RegExp(`^${body}$`, 's');
  return (text) => regExp.test(text);
};

const onlyKey = (argument: Record<string, unknown>, refuse: Refuse): [string, unknown] => {
  const [entry, ...rest] = Object.entries(argument);
  if (entry === undefined) return refuse('Match expression name not found');
  if (rest.length > 0) refuse('Only one key allowed in match expression');
  return entry;
};

/** `prefix` and `suffix`: a string, or `{"equals-ignore-case": string}`. */
const endsTest = (
  operator: 'prefix' | 'suffix',
  argument: unknown,
  refuse: Refuse,
): ((text: string) => boolean) => {
  const ends = operator === 'prefix' ? 'startsWith' : 'endsWith';
  if (typeof argument === 'string') return (text) => text[ends](argument);
  if (isObject(argument)) {
    const [name, inner] = onlyKey(argument, refuse);
    if (name !== 'equals-ignore-case') refuse(`Unsupported ${operator} pattern: ${name}`);
    if (typeof inner !== 'string')
      return refuse('equals-ignore-case match pattern must be a string');
    const folded = lower(inner);
    return (text) => lower(text)[ends](folded);
  }
  return refuse(`${operator} match pattern must be a string`);
};

const comparableNumber = (value: number, refuse: Refuse): number => {
  if (!Number.isFinite(value)) refuse(`Cannot compare number : ${value}`);
  return value;
};

/** `anything-but` with a value or a list of only strings or only numbers. */
const anythingButValues = (argument: unknown, refuse: Refuse): FieldMatcher => {
  const values = Array.isArray(argument) ? argument : [argument];
  if (!values.every((value) => typeof value === 'string' || typeof value === 'number'))
    refuse('Inside anything but list, start|null|boolean is not supported.');
  const strings = values.filter((value): value is string => typeof value === 'string');
  const numbers = values.filter((value): value is number => typeof value === 'number');
  if (strings.length > 0 === numbers.length > 0)
    refuse(
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    );
  for (const number of numbers) comparableNumber(number, refuse);
  // A string excludes only that string, a number only numbers equal to it.
  const excludedStrings = new Set(strings);
  const excludedNumbers = new Set(numbers);
  return {
    test: (value) =>
      typeof value === 'string'
        ? !excludedStrings.has(value)
        : typeof value !== 'number' || !excludedNumbers.has(value),
  };
};

type AnythingButOperator = 'prefix' | 'suffix' | 'equals-ignore-case' | 'wildcard';

/** `anything-but` with a string operator, whose argument is a string or a list of them. */
const anythingButOperator = (
  operator: AnythingButOperator,
  argument: unknown,
  refuse: Refuse,
): FieldMatcher => {
  const items = Array.isArray(argument) ? argument : [argument];
  const strings = items.map((item): string => {
    if (typeof item === 'string') {
      if ((operator === 'prefix' || operator === 'suffix') && item === '')
        refuse('Null prefix/suffix not allowed');
      return item;
    }
    if (operator === 'equals-ignore-case')
      return refuse(
        'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
      );
    if (operator === 'wildcard') return refuse('wildcard match pattern must be a string');
    return refuse('prefix/suffix match pattern must be a string');
  });
  const excluded: ((text: string) => boolean)[] = strings.map((text) => {
    switch (operator) {
      case 'prefix':
        return (value) => value.startsWith(text);
      case 'suffix':
        return (value) => value.endsWith(text);
      case 'equals-ignore-case':
        return (value) => lower(value) === lower(text);
      case 'wildcard':
        return wildcardTest(text, refuse);
      default: {
        const unreachable: never = operator;
        return refuse(`Unsupported anything-but pattern: ${String(unreachable)}`);
      }
    }
  });
  return {
    test: (value) => !isString(value) || !excluded.some((test) => test(value)),
    ...(operator === 'wildcard' ? { wildcards: strings } : {}),
  };
};

const ANYTHING_BUT_OPERATORS: readonly string[] = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
];

const anythingBut = (argument: unknown, refuse: Refuse): FieldMatcher => {
  if (isObject(argument)) {
    const entries = Object.entries(argument);
    const [name, inner] = entries[0] ?? refuse('Anything-But expression name not found');
    // event-ruler names a second key after the operator with its numeric wording.
    if (entries.length > 1) refuse('Too many elements in numeric expression');
    if (!ANYTHING_BUT_OPERATORS.includes(name)) refuse(`Unsupported anything-but pattern: ${name}`);
    if (!(Array.isArray(inner) || typeof inner === 'string' || typeof inner === 'number'))
      refuse('Value of anything-but must be an array or single string/number value.');
    return anythingButOperator(name as AnythingButOperator, inner, refuse);
  }
  if (!(Array.isArray(argument) || typeof argument === 'string' || typeof argument === 'number'))
    refuse('Value of anything-but must be an array or single string/number value.');
  return anythingButValues(argument, refuse);
};

type Bound = { operator: '=' | '<' | '<=' | '>' | '>='; limit: number };

/** `numeric`: `=` alone; `<`/`<=` alone; `>`/`>=` alone or followed by `<`/`<=`. */
const numericRange = (argument: unknown, refuse: Refuse): FieldMatcher => {
  if (!Array.isArray(argument)) return refuse('Value of numeric must be an array.');
  const [operator, limit, upperOperator, upperLimit, ...extra] = argument as unknown[];
  if (typeof operator !== 'string')
    return refuse(`Invalid member in numeric match: ${String(operator)}`);
  if (!['=', '<', '<=', '>', '>='].includes(operator))
    return refuse(`Unrecognized numeric range operator: ${operator}`);
  if (typeof limit !== 'number') return refuse(`Value of ${operator} must be numeric`);
  const bounds: Bound[] = [
    { operator: operator as Bound['operator'], limit: comparableNumber(limit, refuse) },
  ];
  if (argument.length > 2) {
    if (operator !== '>' && operator !== '>=') refuse('Too many elements in numeric expression');
    if (typeof upperOperator !== 'string')
      refuse(`Bad value in numeric range: ${String(upperOperator)}`);
    if (upperOperator !== '<' && upperOperator !== '<=')
      refuse(`Bad numeric range operator: ${String(upperOperator)}`);
    if (typeof upperLimit !== 'number') refuse(`Value of ${String(upperOperator)} must be numeric`);
    if (extra.length > 0) refuse('Too many terms in numeric range expression');
    const top = comparableNumber(upperLimit as number, refuse);
    if (limit >= top) refuse('Bottom must be less than top');
    bounds.push({ operator: upperOperator as Bound['operator'], limit: top });
  }
  const holds = ({ operator: op, limit: at }: Bound, value: number): boolean =>
    op === '='
      ? value === at
      : op === '<'
        ? value < at
        : op === '<='
          ? value <= at
          : op === '>'
            ? value > at
            : value >= at;
  return {
    test: (value) => typeof value === 'number' && bounds.every((bound) => holds(bound, value)),
  };
};

const stringMatcher = (test: (text: string) => boolean): FieldMatcher => ({
  test: (value) => isString(value) && test(value),
});

const operatorMatcher = (name: string, argument: unknown, refuse: Refuse): FieldMatcher => {
  switch (name) {
    case 'prefix':
    case 'suffix':
      return stringMatcher(endsTest(name, argument, refuse));
    case 'equals-ignore-case': {
      if (typeof argument !== 'string')
        return refuse('equals-ignore-case match pattern must be a string');
      const folded = lower(argument);
      return stringMatcher((text) => lower(text) === folded);
    }
    case 'wildcard':
      if (typeof argument !== 'string') return refuse('wildcard match pattern must be a string');
      return { ...stringMatcher(wildcardTest(argument, refuse)), wildcards: [argument] };
    case 'anything-but':
      return anythingBut(argument, refuse);
    case 'exists':
      if (typeof argument !== 'boolean')
        return refuse('exists match pattern must be either true or false.');
      return argument ? { test: () => true } : { absent: true };
    case 'numeric':
      return numericRange(argument, refuse);
    case 'cidr': {
      // event-ruler answers a non-string CIDR with its prefix message.
      if (typeof argument !== 'string') return refuse('prefix match pattern must be a string');
      try {
        return stringMatcher(parseCidr(argument));
      } catch (error) {
        return refuse((error as Error).message);
      }
    }
    default:
      return refuse(`Unrecognized match type ${name}`);
  }
};

/** One element of a pattern's array: a value to equal, or an object holding one operator. */
export const valueMatcher = (matcher: unknown, field: string): FieldMatcher => {
  const refuse = refuser(field);
  if (typeof matcher === 'string') {
    // A value that is an IP address matches the same address however it is written.
    const ip = ipBytes(matcher);
    return {
      test: (value) =>
        value === matcher || (ip !== undefined && isString(value) && sameIpAddress(ip, value)),
    };
  }
  if (matcher === null || typeof matcher === 'boolean')
    return { test: (value) => value === matcher };
  if (typeof matcher === 'number') {
    comparableNumber(matcher, refuse);
    return { test: (value) => value === matcher };
  }
  if (!isObject(matcher)) return refuse('Match value must be String, number, true, false, or null');
  const [name, argument] = onlyKey(matcher, refuse);
  return operatorMatcher(name, argument, refuse);
};
