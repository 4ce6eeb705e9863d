import { Hono } from 'hono';
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

/** Write routes: each validates its body, runs one command and answers the new version. */
export const createCommandRoutes = (commands: CustomerCommandService): Hono<HttpEnv> => {
  const app = new Hono<HttpEnv>();

  const metadata = (c: { get(key: 'correlationId' | 'commandId'): string | undefined }) => {
    const commandId = c.get('commandId');
    const meta: CommandMetadata = { correlationId: c.get('correlationId') ?? '' };
    if (commandId !== undefined) meta.commandId = commandId;
    return meta;
  };
  const pathId = (raw: string) => parseOrThrow(CustomerId, raw, 'customer id', 'id');

  app.post('/customers', async (c) => {
    const body = parseOrThrow(RegisterBody, await readJsonBody(c), 'request body');
    const outcome = await commands.execute({ type: 'RegisterCustomer', data: body }, metadata(c));
    c.header('location', `/customers/${outcome.customerId}`);
    if (outcome.replayed) c.header('idempotent-replayed', 'true');
    return c.json({ customerId: outcome.customerId, version: outcome.version }, 201);
  });

  app.put('/customers/:id/email', async (c) => {
    const customerId = pathId(c.req.param('id'));
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

  app.post('/customers/:id/suspend', async (c) => {
    const customerId = pathId(c.req.param('id'));
    const body = parseOrThrow(SuspendBody, await readJsonBody(c), 'request body');
    const outcome = await commands.execute(
      { type: 'SuspendCustomer', data: { customerId, ...body } },
      metadata(c),
    );
    if (outcome.replayed) c.header('idempotent-replayed', 'true');
    return c.json({ customerId, version: outcome.version }, 200);
  });

  app.post('/customers/:id/reactivate', async (c) => {
    const customerId = pathId(c.req.param('id'));
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

  app.get('/customers/:id/events', async (c) => {
    const customerId = pathId(c.req.param('id'));
    return c.json({ events: await commands.history(customerId) }, 200);
  });

  return app;
};
