import { describe, expect, it } from 'vitest';
import { projectionRule } from '../../adapters/eventbridge/projection-rule.js';
import { AGGREGATES } from '../../composition/aggregates.js';
import { InvalidEventPatternError } from './errors.js';
import { compileEventPattern, matchesEventPattern } from './event-pattern.js';
import { MATCH_CASES, REFUSAL_CASES } from './event-pattern-cases.js';

/** An event as EventBridge hands it to rules (and to an SQS target). */
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'CustomerRegistered',
  source: 'customer.service',
  account: '111122223333',
  time: '2024-05-06T07:08:09Z',
  region: 'eu-west-1',
  resources: ['arn:aws:x:eu-west-1:111122223333:thing/a', 'arn:aws:x:eu-west-1:111122223333:b'],
  detail: {
    aggregateId: 'c-1',
    version: 3,
    eventType: 'CustomerRegistered',
    payload: { status: 'ACTIVE', score: 7.5, flagged: false, note: null, tags: ['vip', 'eu'] },
    items: [
      { sku: 'A', qty: 1 },
      { sku: 'B', qty: 5 },
    ],
    empty: '',
  },
};

const matches = (pattern: unknown) => matchesEventPattern(pattern, event);

describe('event patterns: exact values', () => {
  it('matches on source, detail-type, account and region, any value of an array (OR)', () => {
    expect(matches({ source: ['customer.service'] })).toBe(true);
    expect(matches({ source: ['other', 'customer.service'] })).toBe(true);
    expect(matches({ 'detail-type': ['CustomerRegistered'] })).toBe(true);
    expect(matches({ account: ['111122223333'], region: ['eu-west-1'] })).toBe(true);

    expect(matches({ source: ['customer.servic'] })).toBe(false);
    expect(matches({ source: ['Customer.Service'] })).toBe(false);
    expect(matches({ 'detail-type': ['CustomerSuspended'] })).toBe(false);
    expect(matches({ account: ['000000000000'] })).toBe(false);
    expect(matches({ region: ['us-east-1'] })).toBe(false);
  });

  it('ANDs fields: one failing field fails the whole pattern', () => {
    expect(matches({ source: ['customer.service'], 'detail-type': ['CustomerRegistered'] })).toBe(
      true,
    );
    expect(matches({ source: ['customer.service'], 'detail-type': ['CustomerSuspended'] })).toBe(
      false,
    );
    expect(matches({ source: ['someone.else'], 'detail-type': ['CustomerRegistered'] })).toBe(
      false,
    );
  });

  it('matches nested detail fields, and a missing field never matches a value', () => {
    expect(matches({ detail: { payload: { status: ['ACTIVE'] } } })).toBe(true);
    expect(matches({ detail: { aggregateId: ['c-1'], version: [3] } })).toBe(true);
    expect(matches({ detail: { payload: { status: ['SUSPENDED'] } } })).toBe(false);
    expect(matches({ detail: { payload: { missing: ['ACTIVE'] } } })).toBe(false);
    // A pattern object where the event holds a leaf is no match.
    expect(matches({ detail: { aggregateId: { nested: ['c-1'] } } })).toBe(false);
  });

  it('keeps JSON types apart: numbers, strings, booleans, null and the empty string', () => {
    expect(matches({ detail: { version: [3] } })).toBe(true);
    expect(matches({ detail: { version: ['3'] } })).toBe(false);
    expect(matches({ detail: { payload: { flagged: [false] } } })).toBe(true);
    expect(matches({ detail: { payload: { flagged: ['false'] } } })).toBe(false);
    expect(matches({ detail: { payload: { note: [null] } } })).toBe(true);
    expect(matches({ detail: { payload: { note: [''] } } })).toBe(false);
    expect(matches({ detail: { empty: [''] } })).toBe(true);
    expect(matches({ detail: { empty: [null] } })).toBe(false);
  });

  it('an array in the event matches when any element matches', () => {
    expect(matches({ resources: ['arn:aws:x:eu-west-1:111122223333:b'] })).toBe(true);
    expect(matches({ resources: ['arn:aws:x:eu-west-1:111122223333:c'] })).toBe(false);
    expect(matches({ detail: { payload: { tags: ['eu'] } } })).toBe(true);
    expect(matches({ detail: { payload: { tags: ['us'] } } })).toBe(false);
    expect(matches({ detail: { items: { sku: ['B'] } } })).toBe(true);
    expect(matches({ detail: { items: { sku: ['C'] } } })).toBe(false);
  });
});

describe('event patterns: operators', () => {
  it('prefix, also ignoring case; never on non-strings', () => {
    expect(matches({ source: [{ prefix: 'customer.' }] })).toBe(true);
    expect(matches({ time: [{ prefix: '2024-05-06' }] })).toBe(true);
    expect(matches({ source: [{ prefix: 'order.' }] })).toBe(false);
    expect(matches({ source: [{ prefix: { 'equals-ignore-case': 'CUSTOMER.' } }] })).toBe(true);
    expect(matches({ source: [{ prefix: { 'equals-ignore-case': 'ORDER.' } }] })).toBe(false);
    expect(matches({ detail: { version: [{ prefix: '3' }] } })).toBe(false);
  });

  it('suffix, equals-ignore-case and wildcard', () => {
    expect(matches({ 'detail-type': [{ suffix: 'Registered' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ suffix: 'Suspended' }] })).toBe(false);
    expect(matches({ 'detail-type': [{ 'equals-ignore-case': 'customerregistered' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ 'equals-ignore-case': 'customer' }] })).toBe(false);
    expect(matches({ 'detail-type': [{ wildcard: 'Customer*ed' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ wildcard: 'Order*' }] })).toBe(false);
    // Regular-expression characters in a wildcard are literal.
    expect(matches({ source: [{ wildcard: 'customer.*' }] })).toBe(true);
    expect(matches({ source: [{ wildcard: 'customer?service' }] })).toBe(false);
  });

  it('anything-but a value or a list, and it needs the field to be present', () => {
    expect(matches({ 'detail-type': [{ 'anything-but': 'CustomerSuspended' }] })).toBe(true);
    expect(matches({ 'detail-type': [{ 'anything-but': 'CustomerRegistered' }] })).toBe(false);
    expect(
      matches({
        'detail-type': [{ 'anything-but': ['CustomerSuspended', 'CustomerReactivated'] }],
      }),
    ).toBe(true);
    expect(
      matches({ 'detail-type': [{ 'anything-but': ['CustomerSuspended', 'CustomerRegistered'] }] }),
    ).toBe(false);
    expect(matches({ detail: { version: [{ 'anything-but': [1, 2] }] } })).toBe(true);
    expect(matches({ detail: { version: [{ 'anything-but': 3 }] } })).toBe(false);
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } })).toBe(false);
    expect(matches({ source: [{ 'anything-but': { prefix: 'aws.' } }] })).toBe(true);
    expect(matches({ source: [{ 'anything-but': { prefix: 'customer' } }] })).toBe(false);
  });

  it('exists: true for a present leaf, false for an absent one; never on an object', () => {
    expect(matches({ detail: { aggregateId: [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { payload: { note: [{ exists: true }] } } })).toBe(true);
    expect(matches({ detail: { missing: [{ exists: true }] } })).toBe(false);
    expect(matches({ detail: { missing: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { aggregateId: [{ exists: false }] } })).toBe(false);
    expect(matches({ detail: { payload: [{ exists: true }] } })).toBe(false);
    // Exists alongside a value: absent OR that value.
    expect(matches({ detail: { missing: [{ exists: false }, 'x'] } })).toBe(true);
  });

  it('numeric: =, <, <=, >, >= and ranges, on numbers only', () => {
    expect(matches({ detail: { version: [{ numeric: ['=', 3] }] } })).toBe(true);
    expect(matches({ detail: { version: [{ numeric: ['=', 4] }] } })).toBe(false);
    expect(matches({ detail: { version: [{ numeric: ['<', 4] }] } })).toBe(true);
    expect(matches({ detail: { version: [{ numeric: ['<', 3] }] } })).toBe(false);
    expect(matches({ detail: { version: [{ numeric: ['<=', 3] }] } })).toBe(true);
    expect(matches({ detail: { version: [{ numeric: ['<=', 2.99] }] } })).toBe(false);
    expect(matches({ detail: { version: [{ numeric: ['>', 2] }] } })).toBe(true);
    expect(matches({ detail: { version: [{ numeric: ['>', 3] }] } })).toBe(false);
    expect(matches({ detail: { version: [{ numeric: ['>=', 3] }] } })).toBe(true);
    expect(matches({ detail: { version: [{ numeric: ['>=', 3.01] }] } })).toBe(false);
    expect(matches({ detail: { payload: { score: [{ numeric: ['>', 0, '<=', 7.5] }] } } })).toBe(
      true,
    );
    expect(matches({ detail: { payload: { score: [{ numeric: ['>', 0, '<', 7.5] }] } } })).toBe(
      false,
    );
    expect(matches({ detail: { items: { qty: [{ numeric: ['>=', 5] }] } } })).toBe(true);
    expect(matches({ detail: { items: { qty: [{ numeric: ['>', 5] }] } } })).toBe(false);
    expect(matches({ detail: { aggregateId: [{ numeric: ['>', 0] }] } })).toBe(false);
  });

  it('$or: any alternative, each ANDing its own fields', () => {
    const pattern = {
      source: ['customer.service'],
      $or: [
        { 'detail-type': ['CustomerSuspended'] },
        { detail: { version: [{ numeric: ['>', 2] }] } },
      ],
    };
    expect(matches(pattern)).toBe(true);
    expect(
      matches({
        $or: [
          { 'detail-type': ['CustomerSuspended'] },
          { detail: { version: [{ numeric: ['>', 3] }] } },
        ],
      }),
    ).toBe(false);
  });
});

describe('event patterns: the projection rule', () => {
  const { eventPattern } = projectionRule({
    source: 'customer.service',
    aggregates: AGGREGATES,
  });

  it('takes every Customer event type from the service source, and nothing else', () => {
    const compiled = compileEventPattern(eventPattern);
    for (const type of ['CustomerRegistered', 'CustomerEmailUpdated', 'CustomerSuspended']) {
      expect(compiled.matches({ ...event, 'detail-type': type })).toBe(true);
    }
    expect(compiled.matches({ ...event, 'detail-type': 'OrderPlaced' })).toBe(false);
    expect(compiled.matches({ ...event, source: 'someone.else' })).toBe(false);
  });
});

describe('event patterns: refused as PutRule refuses them, naming the field', () => {
  const refusal = (pattern: unknown): InvalidEventPatternError => {
    try {
      compileEventPattern(pattern);
    } catch (error) {
      if (error instanceof InvalidEventPatternError) return error;
      throw error;
    }
    throw new Error(`accepted ${JSON.stringify(pattern)}`);
  };

  it.each([
    [[], ''],
    [{}, ''],
    [{ source: 'customer.service' }, 'source'],
    [{ source: [] }, 'source'],
    [{ source: [['nested']] }, 'source'],
    [{ detail: { state: [{ cidr: '10.0.0.0' }] } }, 'detail.state'],
    [{ detail: { state: [{ prefix: 'a', suffix: 'b' }] } }, 'detail.state'],
    [{ detail: { state: [{ prefix: 1 }] } }, 'detail.state'],
    [{ detail: { state: [{ exists: 'yes' }] } }, 'detail.state'],
    [{ detail: { state: [{ 'anything-but': ['a', 1] }] } }, 'detail.state'],
    [{ detail: { state: [{ 'anything-but': [] }] } }, 'detail.state'],
    [{ detail: { n: [{ numeric: ['>'] }] } }, 'detail.n'],
    [{ detail: { n: [{ numeric: ['!=', 1] }] } }, 'detail.n'],
    [{ detail: { n: [{ numeric: ['>', '1'] }] } }, 'detail.n'],
    [{ detail: { n: [{ numeric: ['>', 1, '>', 2] }] } }, 'detail.n'],
    [{ detail: { n: [{ numeric: ['>', 5, '<', 1] }] } }, 'detail.n'],
    [{ detail: { f: [{ wildcard: 'a**b' }] } }, 'detail.f'],
    [{ $or: [{ source: ['a'] }] }, '$or'],
    [{ $or: [{ source: ['a'] }, { source: 'b' }] }, '$or[1].source'],
  ])('%j at %j', (pattern, field) => {
    expect(refusal(pattern).field).toBe(field);
  });
});

describe('event patterns: the documented cases', () => {
  it.each(MATCH_CASES.map((testCase) => [testCase.name, testCase] as const))(
    '%s',
    (_name, { pattern, event: given, matches: expected }) => {
      expect(matchesEventPattern(pattern, given)).toBe(expected);
    },
  );

  it.each(REFUSAL_CASES.map((testCase) => [testCase.name, testCase] as const))(
    'refuses: %s',
    (_name, { pattern, reason }) => {
      expect(() => compileEventPattern(pattern)).toThrow(
        new InvalidEventPatternError('', reason).message,
      );
    },
  );

  it('accepts a wildcard of ordinary complexity', () => {
    expect(() =>
      compileEventPattern({ a: [{ wildcard: '*.png' }, { wildcard: 'dir/*/x/*.jpg' }] }),
    ).not.toThrow();
  });
});
