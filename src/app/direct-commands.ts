import * as z from 'zod';
import type { Logger } from '../core/ports.js';
import type { CommandService } from './aggregate-commands.js';
import { CorrelationId, IdempotencyKey } from './command-metadata.js';
import { type DirectResponse, toDirectErrorResponse } from './http/error-response.js';
import { parseOrThrow } from './validation.js';

/** The original deployment's direct Lambda invocation: `{ commandType, payload }`. */
export const DirectCommandInvocation = z.strictObject({
  commandType: z.enum([
    'RegisterCustomer',
    'UpdateEmail',
    'SuspendCustomer',
    'ReactivateCustomer',
    'ForgetCustomer',
  ]),
  payload: z.record(z.string(), z.unknown()),
  commandId: IdempotencyKey.optional(),
  correlationId: CorrelationId.optional(),
});

export const isDirectCommandInvocation = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'commandType' in event;

/** Runs a direct invocation and answers like the HTTP API would: status and JSON body. */
export const runDirectCommand = async (
  commands: CommandService,
  event: unknown,
  correlationId: string,
  logger?: Logger,
): Promise<DirectResponse> => {
  try {
    const invocation = parseOrThrow(DirectCommandInvocation, event, 'invocation');
    const outcome = await commands.execute(
      { type: invocation.commandType, data: invocation.payload },
      {
        correlationId: invocation.correlationId ?? correlationId,
        // Lambda's Invoke is authorised by IAM, which does not pass the caller on: the
        // request id ties the events to the invocation in CloudTrail.
        actor: { kind: 'invoke', id: correlationId },
        ...(invocation.commandId === undefined ? {} : { commandId: invocation.commandId }),
      },
    );
    return {
      statusCode: invocation.commandType === 'RegisterCustomer' ? 201 : 200,
      body: JSON.stringify({ customerId: outcome.aggregateId, version: outcome.version }),
    };
  } catch (error) {
    return toDirectErrorResponse(error, correlationId, logger);
  }
};
