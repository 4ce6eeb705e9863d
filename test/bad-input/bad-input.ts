import fc from 'fast-check';
import { expect } from 'vitest';
import type { EventEnvelope } from '../../src/core/event.js';
import type {
  AppendOptions,
  EventStore,
  ReadStreamOptions,
  Snapshot,
} from '../../src/core/event-store.js';
import { CustomerId, Email } from '../../src/domain/customer/index.js';

/** Runs per property: enough to hit the odd corners, few enough for a quick suite. */
export const RUNS = 150;

/** Passes every call through and counts the ones that write. */
export class CountingEventStore implements EventStore {
  writes = 0;
  constructor(private readonly inner: EventStore) {}
  load(aggregateId: string, options?: { snapshotSchemaVersion?: number }) {
    return this.inner.load(aggregateId, options);
  }
  readStream(aggregateId: string, options?: ReadStreamOptions) {
    return this.inner.readStream(aggregateId, options);
  }
  append(aggregateId: string, events: EventEnvelope[], options: AppendOptions) {
    this.writes++;
    return this.inner.append(aggregateId, events, options);
  }
  findCommand(commandId: string) {
    return this.inner.findCommand(commandId);
  }
  saveSnapshot(aggregateId: string, snapshot: Snapshot) {
    this.writes++;
    return this.inner.saveSnapshot(aggregateId, snapshot);
  }
}

export interface ErrorBody {
  error?: {
    code?: string;
    message?: string;
    details?: Array<{ field?: string; message?: string }>;
  };
}

/**
 * A refusal a client can act on: a 4xx whose message is not empty and which names a field
 * (400) or the body (413, 415); never a 5xx.
 */
export const expectClearRefusal = (status: number, body: ErrorBody, context: string) => {
  expect(status, context).toBeGreaterThanOrEqual(400);
  expect(status, context).toBeLessThan(500);
  expect(body.error?.code, context).toEqual(expect.any(String));
  expect(body.error?.message?.length ?? 0, context).toBeGreaterThan(0);
  if (status === 400) {
    const fields = (body.error?.details ?? []).map((d) => d.field ?? '');
    expect(fields.length, context).toBeGreaterThan(0);
    for (const field of fields) expect(field.length, context).toBeGreaterThan(0);
  } else if (status === 413 || status === 415) {
    expect(body.error?.message, context).toMatch(/body/i);
  }
};

/** Text that is hard on parsers and encoders; none of it is a valid email or id. */
export const unicodeEdges = [
  '\ud800',
  'a\udc00b',
  '\u202eevil\u202c',
  'ש\u200fלום',
  'zero\u200bwidth',
  '\ufeffbom',
  '😀',
  '👩‍👩‍👧',
  'nul\u0000byte',
  '\u0000',
  'line\nbreak',
  'e\u0301',
  '\uffff',
];

/** Strings the domain refuses as an email (the domain's own schema is the oracle). */
export const invalidEmail = fc
  .oneof(
    fc.constantFrom(
      '',
      ' ',
      'plain',
      '@example.com',
      'a@',
      'a@b',
      'a b@example.com',
      'a@@example.com',
      'a@example..com',
      '.a@example.com',
      'a@-example.com',
      'a\u200b@example.com',
      'a\ud800@example.com',
      'a\u0000@example.com',
      `${'x'.repeat(250)}@example.com`,
      'a@exa mple.com',
      '"a"@[1.2.3]',
      ...unicodeEdges,
    ),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => `${s}@`),
  )
  .filter((s) => !Email.safeParse(s).success);

/** Path segments no customer id can be; encoded as a client would put them in a URL. */
export const oddIdSegment = fc.oneof(
  fc.constantFrom(
    '%2e%2e%2f',
    '%2E%2E%2Fetc%2Fpasswd',
    '..%2f..%2fadmin',
    '%2e%2e',
    'a%20b',
    '%20',
    '%00',
    '%ED%A0%80',
    '%E0%A4%A',
    '%',
    'x'.repeat(65),
    'x'.repeat(4000),
    encodeURIComponent('../../etc/passwd'),
    encodeURIComponent('cust\u202e'),
    encodeURIComponent('😀'),
    encodeURIComponent('zero\u200bwidth'),
    'a.b',
    'a~b',
  ),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 80 })
    .filter((s) => !CustomerId.safeParse(s).success)
    .map(encodeURIComponent),
);

/** Plain path traversal, which URL normalisation resolves before any route sees it. */
export const traversalPaths = fc.constantFrom(
  '/customers/../customers',
  '/customers/x/../../etc/passwd',
  '/customers/./../admin',
  '/customers//email',
  '/customers/ /suspend',
);

/** Any JSON value that is not an object: a body of the wrong type altogether. */
export const nonObjectJson = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 30 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
);

/** A value of a type no field of ours takes where a string is expected (or a number). */
export const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** Text that does not parse as JSON. */
export const malformedJson = fc.oneof(
  fc.constantFrom(
    '{',
    '{"email":',
    "{'email':'a@b.com'}",
    '{"a":1,}',
    'undefined',
    'NaN',
    '{"email":"a@b.com" "name":"n"}',
    '\u0000',
    '{"a":"\\x"}',
    '[1,2',
    '\ufeff{}x',
  ),
  fc.string({ maxLength: 60 }).filter((s) => {
    if (s.trim() === '') return false;
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
);

/** Field names none of our bodies takes. */
export const extraKey = fc
  .oneof(
    fc.constantFrom('__proto__', 'constructor', 'isAdmin', 'version', 'status', 'customerID', ''),
    fc.string({ minLength: 1, maxLength: 12 }),
  )
  .filter(
    (k) =>
      ![
        'customerId',
        'email',
        'name',
        'reason',
        'reasonCode',
        'note',
        'expectedVersion',
        'newEmail',
      ].includes(k),
  );
