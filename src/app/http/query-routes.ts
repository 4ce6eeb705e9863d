import { Hono } from 'hono';
import * as z from 'zod';
import { ValidationError } from '../../core/errors.js';
import { type CustomerQueryService, MAX_PAGE_LIMIT } from '../customer-queries.js';
import { parseOrThrow } from '../validation.js';

const integer = (min: number, max: number) => {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message));
};

const Limit = integer(1, MAX_PAGE_LIMIT).optional();
const Cursor = z.string().min(1, 'must not be empty').optional();

const GetCustomerQuery = z.object({
  minVersion: integer(1, 9_999_999_999).optional(),
});

const ListCustomersQuery = z.object({
  status: z.string({ error: 'is required; only ACTIVE is supported' }),
  limit: Limit,
  cursor: Cursor,
});

const SearchCustomersQuery = z.object({
  email: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'must not be empty')
    .max(254, 'must be at most 254 characters'),
  limit: Limit,
  cursor: Cursor,
});

/** Query routes; failures are thrown as `ServiceError`s for the app's error handler to map. */
export const createQueryRoutes = (queries: CustomerQueryService): Hono => {
  const routes = new Hono();

  // Before `/customers/:id`, which would otherwise take "search" for an id.
  routes.get('/customers/search', async (c) => {
    const query = parseOrThrow(SearchCustomersQuery, c.req.query(), 'query string');
    return c.json(await queries.searchByEmail(query));
  });

  routes.get('/customers', async (c) => {
    const { status, ...page } = parseOrThrow(ListCustomersQuery, c.req.query(), 'query string');
    if (status !== 'ACTIVE') {
      const message = `only ACTIVE is supported, not "${status}"`;
      throw new ValidationError(`Invalid status: ${message}`, {
        details: [{ field: 'status', message }],
      });
    }
    return c.json(await queries.listActive(page));
  });

  routes.get('/customers/:id', async (c) => {
    const { minVersion } = parseOrThrow(GetCustomerQuery, c.req.query(), 'query string');
    const view = await queries.getCustomer(c.req.param('id'), {
      ...(minVersion === undefined ? {} : { minVersion }),
    });
    return c.json(view);
  });

  return routes;
};
