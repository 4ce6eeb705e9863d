import type { Context } from 'hono';
import * as z from 'zod';
import {
  CustomerId,
  CustomerName,
  checkSuspension,
  Email,
  ExpectedVersion,
  suspensionFields,
} from '../../domain/customer/index.js';
import type { CommandMetadata, CustomerCommandService } from '../customer-commands.js';
import { parseOrThrow } from '../validation.js';
import { CommandAnswer, commonErrors, ErrorBody, HistoryBody, jsonContent } from './api-schemas.js';
import { createRoute, DocumentedRoutes, serveRoute } from './openapi-route.js';
import { type HttpEnv, readJsonBody } from './request.js';

const RegisterBody = z.strictObject({
  customerId: CustomerId.optional(),
  email: Email,
  name: CustomerName,
});
const UpdateEmailBody = z.strictObject({
  email: Email,
  expectedVersion: ExpectedVersion.optional(),
});
/** `{reasonCode, note?, expectedVersion?}`, or the first deployment's `{reason, expectedVersion?}`. */
const SuspendBody = z.strictObject(suspensionFields).superRefine(checkSuspension);
const ReactivateBody = z.strictObject({ expectedVersion: ExpectedVersion.optional() });

const IdParam = z.object({ id: CustomerId });
const CommandHeaders = z.object({
  'idempotency-key': z.string().optional().meta({
    description: 'A retry with the same key answers the first result and appends nothing',
  }),
});

const body = (schema: z.ZodType, required = true) => ({
  content: { 'application/json': { schema } },
  required,
});
const commandErrors = {
  ...commonErrors,
  404: jsonContent(ErrorBody, 'No such customer'),
  409: jsonContent(ErrorBody, 'The stream moved past `expectedVersion`, or the email is taken'),
  410: jsonContent(ErrorBody, 'The customer was forgotten: no further command is taken'),
  413: jsonContent(ErrorBody, 'The body is larger than 16 KiB'),
  415: jsonContent(ErrorBody, 'The body is not JSON'),
  422: jsonContent(ErrorBody, 'The command breaks a rule in the customer’s current state'),
};

export const registerCustomerRoute = createRoute({
  method: 'post',
  path: '/customers',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Register a customer',
  request: { headers: CommandHeaders, body: body(RegisterBody) },
  responses: {
    201: jsonContent(CommandAnswer, 'Registered; `Location` names the customer'),
    ...commandErrors,
  },
});

export const updateEmailRoute = createRoute({
  method: 'put',
  path: '/customers/{id}/email',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Change a customer’s email',
  request: { params: IdParam, headers: CommandHeaders, body: body(UpdateEmailBody) },
  responses: { 200: jsonContent(CommandAnswer, 'Changed'), ...commandErrors },
});

export const suspendCustomerRoute = createRoute({
  method: 'post',
  path: '/customers/{id}/suspend',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Suspend a customer with a reason code',
  request: { params: IdParam, headers: CommandHeaders, body: body(SuspendBody) },
  responses: { 200: jsonContent(CommandAnswer, 'Suspended'), ...commandErrors },
});

export const reactivateCustomerRoute = createRoute({
  method: 'post',
  path: '/customers/{id}/reactivate',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Reactivate a suspended customer',
  description: 'The body may be empty.',
  request: { params: IdParam, headers: CommandHeaders, body: body(ReactivateBody, false) },
  responses: { 200: jsonContent(CommandAnswer, 'Reactivated'), ...commandErrors },
});

export const forgetCustomerRoute = createRoute({
  method: 'delete',
  path: '/customers/{id}',
  role: 'customers:erase',
  tags: ['commands'],
  summary: 'Forget a customer (erasure): their personal data becomes unreadable everywhere',
  description:
    'Appends `CustomerForgotten`, releases the email, deletes the customer’s data key and erases plaintext left by events written before encryption. Repeating it is harmless and re-runs the clean-up.',
  request: { params: IdParam, headers: CommandHeaders },
  responses: { 200: jsonContent(CommandAnswer, 'Forgotten'), ...commandErrors },
});

export const customerHistoryRoute = createRoute({
  method: 'get',
  path: '/customers/{id}/events',
  role: 'customers:history',
  tags: ['commands'],
  summary: 'A customer’s events in version order, in their latest shape',
  request: { params: IdParam },
  responses: {
    200: jsonContent(HistoryBody, 'The stream'),
    404: jsonContent(ErrorBody, 'No such customer'),
    ...commonErrors,
  },
});

/** Write routes: each validates its body, runs one command and answers the new version. */
export const createCommandRoutes = (
  commands: CustomerCommandService,
): DocumentedRoutes<HttpEnv> => {
  const app = new DocumentedRoutes<HttpEnv>();

  const metadata = (c: Context<HttpEnv>) => {
    const commandId = c.get('commandId');
    const caller = c.get('caller');
    const meta: CommandMetadata = { correlationId: c.get('correlationId') ?? '' };
    if (commandId !== undefined) meta.commandId = commandId;
    if (caller) meta.actor = caller.actor;
    return meta;
  };
  const pathId = (raw: string) => parseOrThrow(CustomerId, raw, 'customer id', 'id');

  serveRoute(app, registerCustomerRoute, async (c) => {
    const body = parseOrThrow(RegisterBody, await readJsonBody(c), 'request body');
    const outcome = await commands.execute({ type: 'RegisterCustomer', data: body }, metadata(c));
    c.header('location', `/customers/${outcome.customerId}`);
    if (outcome.replayed) c.header('idempotent-replayed', 'true');
    return c.json({ customerId: outcome.customerId, version: outcome.version }, 201);
  });

  serveRoute(app, updateEmailRoute, async (c) => {
    const customerId = pathId(c.req.param('id') ?? '');
    const body = parseOrThrow(UpdateEmailBody, await readJsonBody(c), 'request body');
    const outcome = await commands.execute(
      {
        type: 'UpdateEmail',
        data: { customerId, newEmail: body.email, expectedVersion: body.expectedVersion },
      },
      metadata(c),
    );
    if (outcome.replayed) c.header('idempotent-replayed', 'true');
    return c.json({ customerId, version: outcome.version }, 200);
  });

  serveRoute(app, suspendCustomerRoute, async (c) => {
    const customerId = pathId(c.req.param('id') ?? '');
    const body = parseOrThrow(SuspendBody, await readJsonBody(c), 'request body');
    const outcome = await commands.execute(
      { type: 'SuspendCustomer', data: { customerId, ...body } },
      metadata(c),
    );
    if (outcome.replayed) c.header('idempotent-replayed', 'true');
    return c.json({ customerId, version: outcome.version }, 200);
  });

  serveRoute(app, reactivateCustomerRoute, async (c) => {
    const customerId = pathId(c.req.param('id') ?? '');
    const body = parseOrThrow(
      ReactivateBody,
      await readJsonBody(c, { allowEmpty: true }),
      'request body',
    );
    const outcome = await commands.execute(
      { type: 'ReactivateCustomer', data: { customerId, ...body } },
      metadata(c),
    );
    if (outcome.replayed) c.header('idempotent-replayed', 'true');
    return c.json({ customerId, version: outcome.version }, 200);
  });

  serveRoute(app, forgetCustomerRoute, async (c) => {
    const customerId = pathId(c.req.param('id') ?? '');
    const outcome = await commands.execute(
      { type: 'ForgetCustomer', data: { customerId } },
      metadata(c),
    );
    return c.json({ customerId, version: outcome.version }, 200);
  });

  serveRoute(app, customerHistoryRoute, async (c) => {
    const customerId = pathId(c.req.param('id') ?? '');
    return c.json({ events: await commands.history(customerId) }, 200);
  });

  return app;
};
