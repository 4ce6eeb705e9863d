import { Hono } from 'hono';
import * as z from 'zod';
import { ValidationError } from '../../core/errors.js';
import type { CustomerQueryService } from '../customer-queries.js';
import { parseOrThrow } from '../validation.js';

// Query strings only carry text: turn digits into numbers here, and leave the ranges
// (limit, minVersion, email length) to the query service, which checks every caller alike.
const Digits = z
  .string()
  .regex(/^\d{1,10}$/, 'must be a whole number')
  .transform(Number)
  .optional();
const Cursor = z.string().min(1, 'must not be empty').optional();

const GetCustomerQuery = z.object({ minVersion: Digits });

const ListCustomersQuery = z.object({
  status: z.string({ error: 'is required; only ACTIVE is supported' }),
  limit: Digits,
  cursor: Cursor,
});

const SearchCustomersQuery = z.object({
  email: z.string({ error: 'is required' }),
  limit: Digits,
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
