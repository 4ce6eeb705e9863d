import * as z from 'zod';
import { ValidationError } from '../../core/errors.js';
import { CustomerId, CustomerStatus } from '../../domain/customer/index.js';
import {
  CustomerPage,
  CustomerViewBody,
  errorContent,
  invalidInput,
  jsonContent,
  storeErrors,
  trimmedTextPattern,
} from '../http/api-schemas.js';
import { createRoute, DocumentedRoutes, serveRoute } from '../http/openapi-route.js';
import type { HttpEnv } from '../http/request.js';
import { parseOrThrow } from '../validation.js';
import {
  type CustomerQueryService,
  EMAIL_MATCHES,
  MAX_DOMAIN_LENGTH,
  MAX_EMAIL_QUERY_LENGTH,
  MAX_PAGE_LIMIT,
} from './customer-queries.js';

/** Query strings carry at most ten digits, as they always have. */
const MAX_QUERY_INTEGER = 9_999_999_999;

/**
 * A whole number in a query string, in a range: digits become a number, anything else stays
 * text for the number check to refuse. The document shows the integer and its range.
 */
const queryInteger = (range: { min: number; max?: number }, message: string) =>
  z
    .preprocess(
      (value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value),
      z
        .number({ error: message })
        .int(message)
        .min(range.min, message)
        .max(range.max ?? MAX_QUERY_INTEGER, message),
    )
    .optional();
const Limit = queryInteger(
  { min: 1, max: MAX_PAGE_LIMIT },
  `must be an integer from 1 to ${MAX_PAGE_LIMIT}`,
).meta({ description: 'Items per page (20 when absent)' });
const Cursor = z.string().min(1, 'must not be empty').optional().meta({
  description: 'The `nextCursor` of the previous page',
});

/** The statuses a list can be asked for (a forgotten customer is in no list). */
const LISTED = CustomerStatus.options;

const GetCustomerQuery = z.object({
  minVersion: queryInteger({ min: 1 }, 'must be a positive integer').meta({
    description: 'Answer once the view has applied this version (read your own writes)',
  }),
});

const ListCustomersQuery = z.object({
  status: z.string({ error: `is required; one of ${LISTED.join(', ')}` }).meta({
    description: `One of ${LISTED.join(', ')}`,
    // The document lists the values; the handler names a wrong one in its answer.
    enum: [...LISTED],
  }),
  limit: Limit,
  cursor: Cursor,
});

// The query service trims, lowercases and checks each field (and that exactly one of email
// and domain is given, which a document's parameters cannot say); the patterns say the rest.
const SearchCustomersQuery = z.object({
  email: z
    .string()
    .optional()
    .meta({
      description: `An address or a prefix of one, case-insensitive; 1 to ${MAX_EMAIL_QUERY_LENGTH} characters once surrounding whitespace is trimmed. Required unless \`domain\` is given`,
      pattern: trimmedTextPattern({ min: 1, max: MAX_EMAIL_QUERY_LENGTH }),
    }),
  match: z
    .string()
    .optional()
    .meta({
      description:
        'With `email`: `prefix` (default) finds addresses starting with it, `exact` that address only',
      enum: [...EMAIL_MATCHES],
    }),
  domain: z
    .string()
    .optional()
    .meta({
      description: `Instead of \`email\`: every address at this domain (exactly, case-insensitive), in email order; at most ${MAX_DOMAIN_LENGTH} characters`,
      pattern: '^\\s*(?:[A-Za-z0-9][A-Za-z0-9-]*\\.)+[A-Za-z]{2,}\\s*$',
    }),
  limit: Limit,
  cursor: Cursor,
});

export const searchCustomersRoute = createRoute({
  method: 'get',
  path: '/customers/search',
  operationId: 'searchCustomers',
  role: 'customers:read',
  tags: ['queries'],
  summary: 'Search customers by email (prefix or exact) or list those of an email domain',
  request: { query: SearchCustomersQuery },
  responses: {
    200: jsonContent(CustomerPage, 'A page of customers'),
    ...invalidInput,
    ...storeErrors,
  },
});

export const listCustomersRoute = createRoute({
  method: 'get',
  path: '/customers',
  operationId: 'listCustomers',
  role: 'customers:read',
  tags: ['queries'],
  summary: 'List customers by status, oldest registration first',
  request: { query: ListCustomersQuery },
  responses: {
    200: jsonContent(CustomerPage, 'A page of customers'),
    ...invalidInput,
    ...storeErrors,
  },
});

export const getCustomerRoute = createRoute({
  method: 'get',
  path: '/customers/{id}',
  operationId: 'getCustomer',
  role: 'customers:read',
  tags: ['queries'],
  summary: 'One customer as the read model holds it',
  request: { params: z.object({ id: CustomerId }), query: GetCustomerQuery },
  responses: {
    200: jsonContent(CustomerViewBody, 'The customer'),
    404: errorContent('No such customer'),
    409: errorContent(
      'The view did not reach `minVersion` in time; ask again after `Retry-After` seconds',
      {
        'Retry-After': z.string().regex(/^\d+$/).meta({ description: 'Seconds to wait' }),
      },
    ),
    410: errorContent('The customer was forgotten'),
    ...invalidInput,
    ...storeErrors,
  },
});

/** Query routes; failures are thrown as `ServiceError`s for the app's error handler to map. */
export const createQueryRoutes = (queries: CustomerQueryService): DocumentedRoutes<HttpEnv> => {
  const routes = new DocumentedRoutes<HttpEnv>();

  // Before `/customers/{id}`, which would otherwise take "search" for an id.
  serveRoute(routes, searchCustomersRoute, async (c) => {
    const query = parseOrThrow(SearchCustomersQuery, c.req.query(), 'query string');
    return c.json(await queries.searchByEmail(query));
  });

  serveRoute(routes, listCustomersRoute, async (c) => {
    const { status, ...page } = parseOrThrow(ListCustomersQuery, c.req.query(), 'query string');
    const listed = CustomerStatus.safeParse(status);
    if (!listed.success) {
      const message = `must be one of ${LISTED.join(', ')}, not "${status}"`;
      throw new ValidationError(`Invalid status: ${message}`, {
        details: [{ field: 'status', message }],
      });
    }
    return c.json(await queries.listByStatus(listed.data, page));
  });

  serveRoute(routes, getCustomerRoute, async (c) => {
    const { minVersion } = parseOrThrow(GetCustomerQuery, c.req.query(), 'query string');
    const view = await queries.getCustomer(c.req.param('id') ?? '', {
      ...(minVersion === undefined ? {} : { minVersion }),
    });
    return c.json(view);
  });

  return routes;
};
