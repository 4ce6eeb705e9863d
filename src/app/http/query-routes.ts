import * as z from 'zod';
import { ValidationError } from '../../core/errors.js';
import { CustomerId, CustomerStatus } from '../../domain/customer/index.js';
import type { CustomerQueryService } from '../customer-queries.js';
import { parseOrThrow } from '../validation.js';
import {
  CustomerPage,
  CustomerViewBody,
  commonErrors,
  ErrorBody,
  jsonContent,
} from './api-schemas.js';
import { createRoute, DocumentedRoutes, serveRoute } from './openapi-route.js';
import type { HttpEnv } from './request.js';

// Query strings only carry text: turn digits into numbers here, and leave the ranges
// (limit, minVersion, email length) to the query service, which checks every caller alike.
const Digits = z
  .string()
  .regex(/^\d{1,10}$/, 'must be a whole number')
  .transform(Number)
  .optional();
const Cursor = z.string().min(1, 'must not be empty').optional();

/** The statuses a list can be asked for (a forgotten customer is in no list). */
const LISTED = CustomerStatus.options;

const GetCustomerQuery = z.object({
  minVersion: Digits.meta({
    description: 'Answer once the view has applied this version (read your own writes)',
  }),
});

const ListCustomersQuery = z.object({
  status: z.string({ error: `is required; one of ${LISTED.join(', ')}` }).meta({
    description: `One of ${LISTED.join(', ')}`,
    // The document lists the values; the handler names a wrong one in its answer.
    enum: [...LISTED],
  }),
  limit: Digits,
  cursor: Cursor,
});

const SearchCustomersQuery = z.object({
  email: z.string({ error: 'is required' }).meta({
    description: 'An exact address or any prefix of one, case-insensitive',
  }),
  limit: Digits,
  cursor: Cursor,
});

export const searchCustomersRoute = createRoute({
  method: 'get',
  path: '/customers/search',
  role: 'customers:read',
  tags: ['queries'],
  summary: 'Search customers by email prefix',
  request: { query: SearchCustomersQuery },
  responses: { 200: jsonContent(CustomerPage, 'A page of customers'), ...commonErrors },
});

export const listCustomersRoute = createRoute({
  method: 'get',
  path: '/customers',
  role: 'customers:read',
  tags: ['queries'],
  summary: 'List customers by status, oldest registration first',
  request: { query: ListCustomersQuery },
  responses: { 200: jsonContent(CustomerPage, 'A page of customers'), ...commonErrors },
});

export const getCustomerRoute = createRoute({
  method: 'get',
  path: '/customers/{id}',
  role: 'customers:read',
  tags: ['queries'],
  summary: 'One customer as the read model holds it',
  request: { params: z.object({ id: CustomerId }), query: GetCustomerQuery },
  responses: {
    200: jsonContent(CustomerViewBody, 'The customer'),
    404: jsonContent(ErrorBody, 'No such customer'),
    410: jsonContent(ErrorBody, 'The customer was forgotten'),
    409: jsonContent(ErrorBody, 'The view did not reach `minVersion` in time'),
    ...commonErrors,
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
