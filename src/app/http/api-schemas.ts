import * as z from 'zod';
import { CustomerStatus, SuspensionReasonCode } from '../../domain/customer/index.js';

/**
 * What the API answers, for the OpenAPI document. Requests are validated by the schemas in
 * the route files; these describe responses, which the service builds itself.
 */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ field: z.string(), message: z.string() }).loose()).optional(),
      correlationId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const CommandAnswer = z
  .object({ customerId: z.string(), version: z.number().int() })
  .meta({ id: 'CommandAnswer' });

export const CustomerViewBody = z
  .object({
    customerId: z.string(),
    email: z.string(),
    name: z.string(),
    status: CustomerStatus,
    registrationDate: z.string(),
    lastUpdated: z.string(),
    version: z.number().int(),
    suspensionReasonCode: SuspensionReasonCode.optional(),
    suspensionReason: z.string().optional(),
  })
  .meta({ id: 'CustomerView' });

export const CustomerPage = z
  .object({ items: z.array(CustomerViewBody), nextCursor: z.string().optional() })
  .meta({ id: 'CustomerPage' });

export const EventEnvelopeBody = z
  .object({
    eventId: z.string(),
    aggregateId: z.string(),
    eventType: z.string(),
    payload: z.record(z.string(), z.unknown()),
    timestamp: z.string(),
    version: z.number().int(),
    metadata: z
      .object({
        correlationId: z.string(),
        commandId: z.string().optional(),
        causationId: z.string().optional(),
        schemaVersion: z.number().int(),
      })
      .loose(),
  })
  .meta({ id: 'EventEnvelope' });

export const HistoryBody = z.object({ events: z.array(EventEnvelopeBody) }).meta({ id: 'History' });

export const jsonContent = <S extends z.ZodType>(schema: S, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** The failures every route may answer, beside its own. */
export const commonErrors = {
  400: jsonContent(ErrorBody, 'Invalid input; `details` names each field'),
  500: jsonContent(ErrorBody, 'Unexpected failure; quote the correlation id'),
  503: jsonContent(ErrorBody, 'A dependency is unavailable; retry after `Retry-After` seconds'),
};
