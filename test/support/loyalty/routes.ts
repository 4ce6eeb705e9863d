import type { Context } from 'hono';
import * as z from 'zod';
import type { CommandOutcome, CommandService } from '../../../src/app/aggregate-commands.js';
import {
  errorContent,
  HistoryBody,
  IdempotentReplayedHeader,
  invalidInput,
  jsonContent,
  storeErrors,
} from '../../../src/app/http/api-schemas.js';
import { CommandHeaders, serveCommand, serveHistory } from '../../../src/app/http/command-glue.js';
import { createRoute, DocumentedRoutes, serveRoute } from '../../../src/app/http/openapi-route.js';
import { type HttpEnv, readJsonBody } from '../../../src/app/http/request.js';
import { parseOrThrow } from '../../../src/app/validation.js';
import { AccountId, OwnerName, Points } from './commands.js';
import { EarnReason } from './events.js';
import type { LoyaltyQueries } from './queries.js';

const OpenBody = z.strictObject({ accountId: AccountId, ownerName: OwnerName });
const EarnBody = z.strictObject({
  points: Points,
  reason: EarnReason.exclude(['UNSPECIFIED']),
  expectedVersion: z.number().int().min(0).optional(),
});
const RedeemBody = z.strictObject({
  points: Points,
  expectedVersion: z.number().int().min(0).optional(),
});
const IdParam = z.object({ id: AccountId });

const LoyaltyCommandAnswer = z
  .object({ accountId: z.string(), version: z.number().int() })
  .meta({ id: 'LoyaltyCommandAnswer' });
const LoyaltyAccountBody = z
  .object({
    accountId: z.string(),
    ownerName: z.string().optional(),
    points: z.number().int(),
    status: z.enum(['OPEN', 'CLOSED']),
    version: z.number().int(),
    lastUpdated: z.string(),
  })
  .meta({ id: 'LoyaltyAccountView' });

const body = (schema: z.ZodType) => ({
  content: { 'application/json': { schema } },
  required: true,
});
const answered = (description: string) =>
  jsonContent(LoyaltyCommandAnswer, description, IdempotentReplayedHeader);
const notFound = errorContent('No such loyalty account');
const changeErrors = {
  404: notFound,
  409: errorContent('The stream moved past `expectedVersion` (or a racing writer won)'),
  410: errorContent('The account was closed: no further command is taken'),
  422: errorContent('The command breaks a rule (more points than the balance, say)'),
  ...invalidInput,
  ...storeErrors,
};

export const openAccountRoute = createRoute({
  method: 'post',
  path: '/loyalty-accounts',
  operationId: 'openLoyaltyAccount',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Open a loyalty account',
  request: { headers: CommandHeaders, body: body(OpenBody) },
  responses: {
    201: jsonContent(LoyaltyCommandAnswer, 'Opened', IdempotentReplayedHeader),
    422: errorContent('An account with this id is open'),
    ...invalidInput,
    ...storeErrors,
  },
});
export const earnPointsRoute = createRoute({
  method: 'post',
  path: '/loyalty-accounts/{id}/earn',
  operationId: 'earnLoyaltyPoints',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Credit points to an account',
  request: { params: IdParam, headers: CommandHeaders, body: body(EarnBody) },
  responses: { 200: answered('Earned'), ...changeErrors },
});
export const redeemPointsRoute = createRoute({
  method: 'post',
  path: '/loyalty-accounts/{id}/redeem',
  operationId: 'redeemLoyaltyPoints',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Redeem points, never more than the balance',
  request: { params: IdParam, headers: CommandHeaders, body: body(RedeemBody) },
  responses: { 200: answered('Redeemed'), ...changeErrors },
});
export const closeAccountRoute = createRoute({
  method: 'delete',
  path: '/loyalty-accounts/{id}',
  operationId: 'closeLoyaltyAccount',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Close an account: its points lapse and its holder’s name is forgotten',
  request: { params: IdParam, headers: CommandHeaders },
  responses: { 200: answered('Closed'), ...changeErrors },
});
export const accountHistoryRoute = createRoute({
  method: 'get',
  path: '/loyalty-accounts/{id}/events',
  operationId: 'getLoyaltyAccountHistory',
  role: 'customers:history',
  tags: ['commands'],
  summary: 'An account’s events in version order, in their latest shape',
  request: { params: IdParam },
  responses: {
    200: jsonContent(HistoryBody, 'The stream'),
    404: notFound,
    ...invalidInput,
    ...storeErrors,
  },
});
export const getAccountRoute = createRoute({
  method: 'get',
  path: '/loyalty-accounts/{id}',
  operationId: 'getLoyaltyAccount',
  role: 'customers:read',
  tags: ['queries'],
  summary: 'One loyalty account as the read model holds it',
  request: { params: IdParam },
  responses: {
    200: jsonContent(LoyaltyAccountBody, 'The account'),
    404: notFound,
    ...invalidInput,
    ...storeErrors,
  },
});

const pathId = (c: Context<HttpEnv>) =>
  parseOrThrow(AccountId, c.req.param('id') ?? '', 'account id', 'id');
const readBody = async <S extends z.ZodType>(c: Context<HttpEnv>, schema: S) =>
  parseOrThrow(schema, await readJsonBody(c), 'request body');
const answer = ({ aggregateId, version }: CommandOutcome) => ({ accountId: aggregateId, version });

/** Write routes: each reads its path and body, runs one command and answers the new version. */
export const loyaltyCommandRoutes = (commands: CommandService): DocumentedRoutes<HttpEnv> => {
  const routes = new DocumentedRoutes<HttpEnv>();
  serveCommand(routes, openAccountRoute, commands, {
    command: async (c) => ({ type: 'OpenLoyaltyAccount', data: await readBody(c, OpenBody) }),
    status: 201,
    answer,
    location: ({ aggregateId }) => `/loyalty-accounts/${aggregateId}`,
  });
  serveCommand(routes, earnPointsRoute, commands, {
    command: async (c) => ({
      type: 'EarnPoints',
      data: { accountId: pathId(c), ...(await readBody(c, EarnBody)) },
    }),
    answer,
  });
  serveCommand(routes, redeemPointsRoute, commands, {
    command: async (c) => ({
      type: 'RedeemPoints',
      data: { accountId: pathId(c), ...(await readBody(c, RedeemBody)) },
    }),
    answer,
  });
  serveCommand(routes, closeAccountRoute, commands, {
    command: async (c) => ({ type: 'CloseLoyaltyAccount', data: { accountId: pathId(c) } }),
    answer,
  });
  serveHistory(routes, accountHistoryRoute, commands, pathId);
  return routes;
};

/** Read routes, on the query side's function. */
export const loyaltyQueryRoutes = (queries: LoyaltyQueries): DocumentedRoutes<HttpEnv> => {
  const routes = new DocumentedRoutes<HttpEnv>();
  serveRoute(routes, getAccountRoute, async (c) => c.json(await queries.getAccount(pathId(c))));
  return routes;
};
