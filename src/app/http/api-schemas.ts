import * as z from 'zod';
import { CustomerStatus, SuspensionReasonCode } from '../../domain/customer/index.js';
import { PRIVATE_ANSWER_HEADERS } from './answer-headers.js';

/**
 * What the API answers, for the OpenAPI document. Requests are validated by the schemas in
 * the route files; these describe responses, which the service builds itself.
 */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ field: z.string(), message: z.string() }).loose()).optional(),
      correlationId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const CommandAnswer = z
  .object({ customerId: z.string(), version: z.number().int() })
  .meta({ id: 'CommandAnswer' });

export const CustomerViewBody = z
  .object({
    customerId: z.string(),
    email: z.string(),
    name: z.string(),
    status: CustomerStatus,
    registrationDate: z.string(),
    lastUpdated: z.string(),
    version: z.number().int(),
    suspensionReasonCode: SuspensionReasonCode.optional(),
    suspensionReason: z.string().optional(),
  })
  .meta({ id: 'CustomerView' });

export const CustomerPage = z
  .object({ items: z.array(CustomerViewBody), nextCursor: z.string().optional() })
  .meta({ id: 'CustomerPage' });

export const EventEnvelopeBody = z
  .object({
    eventId: z.string(),
    aggregateType: z.string().meta({
      description:
        'The type of the stream the event belongs to (`Customer`). Events written before the type was recorded with each event are answered as `Customer`.',
    }),
    aggregateId: z.string(),
    eventType: z.string(),
    payload: z.record(z.string(), z.unknown()),
    timestamp: z.string(),
    version: z.number().int(),
    metadata: z
      .object({
        correlationId: z.string(),
        commandId: z.string().optional(),
        causationId: z.string().optional(),
        schemaVersion: z.number().int(),
        actor: z
          .object({
            kind: z.enum(['jwt', 'iam', 'local', 'invoke']),
            id: z.string(),
            clientId: z.string().optional(),
          })
          .optional()
          .meta({
            description:
              'Who asked for the command: a token’s subject and client, an IAM caller’s ARN, the local developer, or a direct invocation’s request id. Absent on events written before actors were recorded.',
          }),
      })
      .loose(),
  })
  .meta({ id: 'EventEnvelope' });

export const HistoryBody = z.object({ events: z.array(EventEnvelopeBody) }).meta({ id: 'History' });

/** The headers every answer carries (`app.ts` sets them on each one, refusals included). */
const EveryAnswerHeaders = z.object({
  'X-Correlation-Id': z.string().meta({
    description: 'The request’s `X-Correlation-Id` when it was a valid token, else a new id',
  }),
  'Cache-Control': z.literal(PRIVATE_ANSWER_HEADERS['cache-control']).meta({
    description: 'Answers may hold personal data: no cache keeps them',
  }),
  'X-Content-Type-Options': z.literal(PRIVATE_ANSWER_HEADERS['x-content-type-options']),
});

/** A JSON answer with the headers of every answer, plus `headers` of its own. */
export const jsonContent = <S extends z.ZodType>(
  schema: S,
  description: string,
  headers: z.ZodRawShape = {},
) => ({
  description,
  headers: EveryAnswerHeaders.extend(headers),
  content: { 'application/json': { schema } },
});

/** A refusal or failure: the `Error` body. */
export const errorContent = (description: string, headers: z.ZodRawShape = {}) =>
  jsonContent(ErrorBody, description, headers);

/** On a write that a retry with the same `Idempotency-Key` answered from its first run. */
export const IdempotentReplayedHeader = {
  'Idempotent-Replayed': z.literal('true').optional().meta({
    description:
      'Present when this answer repeats the first run of the same `Idempotency-Key`, and nothing was appended',
  }),
};

/** A route that takes input (a path parameter, a query, a header, a body) refuses bad input. */
export const invalidInput = {
  400: errorContent('Invalid input; `details` names each field'),
};

/** A fault of the service, which any route may answer. */
export const commonErrors = {
  500: errorContent('Unexpected failure; quote the correlation id'),
};

/** Routes that read or write DynamoDB: throttling or an outage that outlasted the retries. */
export const storeErrors = {
  ...commonErrors,
  503: errorContent('A dependency is unavailable; retry after `Retry-After` seconds', {
    'Retry-After': z.string().regex(/^\d+$/).meta({ description: 'Seconds to wait' }),
  }),
};

/**
 * JSON Schema cannot trim, and the service trims text before checking it: this pattern says
 * exactly what the service takes, surrounding whitespace included. After trimming, the text
 * has `min` (0 or more) to `max` characters, none of them in `excluded` (a character class
 * body such as `\\p{Cc}`).
 */
export const trimmedTextPattern = (options: { min: number; max?: number; excluded?: string }) => {
  const { min, max, excluded = '' } = options;
  const inner = excluded === '' ? '[\\s\\S]' : `[^${excluded}]`;
  const edge = `[^\\s${excluded}]`;
  const upTo = max === undefined ? '' : String(max - 2);
  const text =
    max === 1
      ? edge
      : min <= 1
        ? `${edge}(?:${inner}{0,${upTo}}${edge})?`
        : `${edge}${inner}{${min - 2},${upTo}}${edge}`;
  return `^\\s*${min === 0 ? `(?:${text})?` : text}\\s*$`;
};

/**
 * `schema` as the service parses it, shown in the document as `json`: for schemas that trim
 * or transform, whose own rendering would be looser or stricter than what the service takes.
 */
export const documentedString = <S extends z.ZodType<unknown, string>>(
  schema: S,
  json: { pattern: string; description?: string },
) => z.string().meta(json).pipe(schema);

/**
 * A trimmed text field of the domain (`z.string().trim().min().max()`), documented with its
 * exact pattern; `excluded` names the characters its own pattern refuses.
 */
export const documentedText = (schema: z.ZodString, excluded = '') =>
  documentedString(schema, {
    pattern: trimmedTextPattern({
      min: schema.minLength ?? 0,
      ...(schema.maxLength === null ? {} : { max: schema.maxLength }),
      excluded,
    }),
    description: `${schema.minLength ?? 0} to ${schema.maxLength ?? 'any number of'} characters once surrounding whitespace is trimmed`,
  });
