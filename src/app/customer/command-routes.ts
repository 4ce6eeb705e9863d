import type { Context } from 'hono';
import * as z from 'zod';
import {
  CustomerId,
  CustomerName,
  checkSuspension,
  Email,
  ExpectedVersion,
  SuspensionNote,
  suspensionFields,
} from '../../domain/customer/index.js';
import type { CommandOutcome, CommandService } from '../aggregate-commands.js';
import {
  CommandAnswer,
  documentedString,
  documentedText,
  errorContent,
  HistoryBody,
  IdempotentReplayedHeader,
  invalidInput,
  jsonContent,
  storeErrors,
} from '../http/api-schemas.js';
import { CommandHeaders, serveCommand, serveHistory } from '../http/command-glue.js';
import { createRoute, DocumentedRoutes } from '../http/openapi-route.js';
import { type HttpEnv, readJsonBody } from '../http/request.js';
import { parseOrThrow } from '../validation.js';

/** The domain's printable text (no control characters, no lone surrogates), as a class body. */
const NOT_PRINTABLE = '\\p{Cc}\\p{Cs}';

/**
 * `Email` trims, then takes at most 254 characters that `z.email()`'s pattern accepts (an
 * address holds no whitespace, so the trimmed text is the address itself).
 */
const DocumentedEmail = documentedString(Email, {
  pattern: `^\\s*(?=\\S{1,${Email.in.maxLength}}\\s*$)${z.regexes.email.source.slice(1, -1)}\\s*$`,
  description: 'An email address; surrounding whitespace is trimmed',
});
const DocumentedNote = documentedText(SuspensionNote, NOT_PRINTABLE);

const RegisterBody = z.strictObject({
  customerId: CustomerId.optional(),
  email: DocumentedEmail,
  name: documentedText(CustomerName, NOT_PRINTABLE),
});
const UpdateEmailBody = z.strictObject({
  email: DocumentedEmail,
  expectedVersion: ExpectedVersion.optional(),
});
/**
 * `{reasonCode, note?, expectedVersion?}`, or the first deployment's `{reason, expectedVersion?}`.
 * The service checks the two shapes field by field (`checkSuspension`) to name what is wrong;
 * the document says the same as two exclusive shapes.
 */
const SuspendBody = z
  .strictObject({
    ...suspensionFields,
    note: DocumentedNote.optional(),
    reason: DocumentedNote.optional(),
  })
  .superRefine(checkSuspension)
  .meta({
    description:
      'Either `reasonCode` (with an optional `note`), or the first deployment’s `reason` alone (an `OTHER` suspension with the reason as its note).',
    oneOf: [
      { title: 'Reason code', required: ['reasonCode'], properties: { reason: false } },
      {
        title: 'Older form',
        required: ['reason'],
        properties: { reasonCode: false, note: false },
      },
    ],
  } as Record<string, unknown>);
const ReactivateBody = z.strictObject({ expectedVersion: ExpectedVersion.optional() });

const IdParam = z.object({ id: CustomerId });

const body = (schema: z.ZodType, required = true) => ({
  content: { 'application/json': { schema } },
  required,
});

const answered = (description: string) =>
  jsonContent(CommandAnswer, description, IdempotentReplayedHeader);
const notFound = errorContent('No such customer');
const conflict = errorContent('The stream moved past `expectedVersion` (or a racing writer won)');
const forgotten = errorContent('The customer was forgotten: no further command is taken');
const ruleBroken = errorContent(
  'The command breaks a rule in the customer’s current state, or its `Idempotency-Key` was used for another request',
);
/** What a command on an existing customer may answer besides its success. */
const changeErrors = {
  404: notFound,
  409: conflict,
  410: forgotten,
  422: ruleBroken,
  ...invalidInput,
  ...storeErrors,
};

export const registerCustomerRoute = createRoute({
  method: 'post',
  path: '/customers',
  operationId: 'registerCustomer',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Register a customer',
  request: { headers: CommandHeaders, body: body(RegisterBody) },
  responses: {
    201: jsonContent(CommandAnswer, 'Registered', {
      Location: z.string().meta({ description: 'The customer: `/customers/{id}`' }),
      ...IdempotentReplayedHeader,
    }),
    409: errorContent(
      'The email is taken by another customer (the answer does not repeat it), or a racing registration of the same id won',
    ),
    410: errorContent('A customer with this id was forgotten; the id is not given again'),
    422: errorContent(
      'A customer with this id is registered, or the `Idempotency-Key` was used for another request',
    ),
    ...invalidInput,
    ...storeErrors,
  },
});

export const updateEmailRoute = createRoute({
  method: 'put',
  path: '/customers/{id}/email',
  operationId: 'changeCustomerEmail',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Change a customer’s email',
  request: { params: IdParam, headers: CommandHeaders, body: body(UpdateEmailBody) },
  responses: {
    200: answered('Changed'),
    ...changeErrors,
    409: errorContent(
      'The email is taken by another customer (the answer does not repeat it), or the stream moved past `expectedVersion`',
    ),
  },
});

export const suspendCustomerRoute = createRoute({
  method: 'post',
  path: '/customers/{id}/suspend',
  operationId: 'suspendCustomer',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Suspend a customer with a reason code',
  request: { params: IdParam, headers: CommandHeaders, body: body(SuspendBody) },
  responses: {
    200: answered('Suspended'),
    ...changeErrors,
  },
});

export const reactivateCustomerRoute = createRoute({
  method: 'post',
  path: '/customers/{id}/reactivate',
  operationId: 'reactivateCustomer',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Reactivate a suspended customer',
  description: 'The body may be empty.',
  request: { params: IdParam, headers: CommandHeaders, body: body(ReactivateBody, false) },
  responses: {
    200: answered('Reactivated'),
    ...changeErrors,
  },
});

export const forgetCustomerRoute = createRoute({
  method: 'delete',
  path: '/customers/{id}',
  operationId: 'forgetCustomer',
  role: 'customers:erase',
  tags: ['commands'],
  summary: 'Forget a customer (erasure): their personal data becomes unreadable everywhere',
  description:
    'Appends `CustomerForgotten`, releases the email, deletes the customer’s data key and erases plaintext left by events written before encryption. Repeating it is harmless and re-runs the clean-up.',
  request: { params: IdParam, headers: CommandHeaders },
  responses: {
    200: answered('Forgotten'),
    404: notFound,
    409: conflict,
    422: errorContent('The `Idempotency-Key` was used for another request'),
    ...invalidInput,
    ...storeErrors,
  },
});

export const customerHistoryRoute = createRoute({
  method: 'get',
  path: '/customers/{id}/events',
  operationId: 'getCustomerHistory',
  role: 'customers:history',
  tags: ['commands'],
  summary: 'A customer’s events in version order, in their latest shape',
  request: { params: IdParam },
  responses: {
    200: jsonContent(HistoryBody, 'The stream'),
    404: notFound,
    ...invalidInput,
    ...storeErrors,
  },
});

/** Write routes: each validates its body, runs one command and answers the new version. */
export const createCommandRoutes = (commands: CommandService): DocumentedRoutes<HttpEnv> => {
  const routes = new DocumentedRoutes<HttpEnv>();
  const pathId = (c: Context<HttpEnv>) =>
    parseOrThrow(CustomerId, c.req.param('id') ?? '', 'customer id', 'id');
  const readBody = async <S extends z.ZodType>(
    c: Context<HttpEnv>,
    schema: S,
    allowEmpty = false,
  ) => parseOrThrow(schema, await readJsonBody(c, { allowEmpty }), 'request body');
  const answer = ({ aggregateId, version }: CommandOutcome) => ({
    customerId: aggregateId,
    version,
  });

  serveCommand(routes, registerCustomerRoute, commands, {
    command: async (c) => ({ type: 'RegisterCustomer', data: await readBody(c, RegisterBody) }),
    status: 201,
    answer,
    location: ({ aggregateId }) => `/customers/${aggregateId}`,
  });

  serveCommand(routes, updateEmailRoute, commands, {
    command: async (c) => {
      const customerId = pathId(c);
      const body = await readBody(c, UpdateEmailBody);
      return {
        type: 'UpdateEmail',
        data: { customerId, newEmail: body.email, expectedVersion: body.expectedVersion },
      };
    },
    answer,
  });

  serveCommand(routes, suspendCustomerRoute, commands, {
    command: async (c) => {
      const customerId = pathId(c);
      return { type: 'SuspendCustomer', data: { customerId, ...(await readBody(c, SuspendBody)) } };
    },
    answer,
  });

  serveCommand(routes, reactivateCustomerRoute, commands, {
    command: async (c) => {
      const customerId = pathId(c);
      const body = await readBody(c, ReactivateBody, true);
      return { type: 'ReactivateCustomer', data: { customerId, ...body } };
    },
    answer,
  });

  serveCommand(routes, forgetCustomerRoute, commands, {
    command: async (c) => ({ type: 'ForgetCustomer', data: { customerId: pathId(c) } }),
    answer,
  });

  serveHistory(routes, customerHistoryRoute, commands, pathId);

  return routes;
};
