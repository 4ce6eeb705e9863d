import * as z from 'zod';
import type { Logger } from '../../core/ports.js';
import { type DirectResponse, toDirectErrorResponse } from '../http/error-response.js';
import { parseOrThrow } from '../validation.js';
import type { CustomerQueryService } from './customer-queries.js';

// The original deployment sent numbers; query-string style digits are taken as well.
const Count = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d{1,10}$/, 'must be an integer')
    .transform(Number),
]);

/** The original deployment's direct Lambda invocation of the query function. */
export const DirectQueryInvocation = z.discriminatedUnion('queryType', [
  z.object({
    queryType: z.literal('GetCustomerById'),
    customerId: z.string(),
    minVersion: Count.optional(),
  }),
  z.object({
    queryType: z.literal('GetActiveCustomers'),
    limit: Count.optional(),
    cursor: z.string().optional(),
  }),
  z.object({
    queryType: z.literal('SearchCustomersByEmail'),
    // As the HTTP search: `email` with `match` (`prefix`, the default, or `exact`), or
    // `domain` alone; the query service says which field is wrong when they are mixed.
    email: z.string().optional(),
    match: z.string().optional(),
    domain: z.string().optional(),
    limit: Count.optional(),
    cursor: z.string().optional(),
  }),
]);
export type DirectQueryInvocation = z.infer<typeof DirectQueryInvocation>;

export const isDirectQueryInvocation = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'queryType' in event;

const run = (queries: CustomerQueryService, invocation: DirectQueryInvocation) => {
  switch (invocation.queryType) {
    case 'GetCustomerById': {
      const { customerId, minVersion } = invocation;
      return queries.getCustomer(customerId, minVersion === undefined ? {} : { minVersion });
    }
    case 'GetActiveCustomers':
      return queries.listActive(invocation);
    case 'SearchCustomersByEmail':
      return queries.searchByEmail(invocation);
    default: {
      const unknown: never = invocation;
      throw new TypeError(`Unhandled query ${JSON.stringify(unknown)}`);
    }
  }
};

/** Runs a direct invocation and answers like the HTTP API would: status and JSON body. */
export const runDirectQuery = async (
  queries: CustomerQueryService,
  event: unknown,
  correlationId: string,
  logger?: Logger,
): Promise<DirectResponse> => {
  try {
    const invocation = parseOrThrow(DirectQueryInvocation, event, 'invocation');
    return { statusCode: 200, body: JSON.stringify(await run(queries, invocation)) };
  } catch (error) {
    return toDirectErrorResponse(error, correlationId, logger);
  }
};
