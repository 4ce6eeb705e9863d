import * as z from 'zod';

export const CustomerStatus = z.enum(['ACTIVE', 'SUSPENDED']);
export type CustomerStatus = z.infer<typeof CustomerStatus>;

export const CustomerRegistered = z.object({
  type: z.literal('CustomerRegistered'),
  data: z.object({ email: z.string(), name: z.string() }),
});
export const CustomerEmailUpdated = z.object({
  type: z.literal('CustomerEmailUpdated'),
  data: z.object({ oldEmail: z.string(), newEmail: z.string() }),
});
/** Why a customer was suspended; `OTHER` covers the free-text reasons of the first version. */
export const SuspensionReasonCode = z.enum(['FRAUD', 'CHARGEBACK', 'CUSTOMER_REQUEST', 'OTHER']);
export type SuspensionReasonCode = z.infer<typeof SuspensionReasonCode>;

/**
 * `CustomerSuspended` as it is written today (schema version 2). Stored events are read as
 * they were written: the note's limit of 500 characters is the command's rule, not a
 * reason to refuse an old event.
 */
export const CustomerSuspended = z.object({
  type: z.literal('CustomerSuspended'),
  data: z.object({ reasonCode: SuspensionReasonCode, note: z.string().optional() }),
});
export const CustomerReactivated = z.object({
  type: z.literal('CustomerReactivated'),
  data: z.object({}),
});
/**
 * The customer asked to be forgotten (erasure). It carries no personal data: after it, the
 * customer's data key is deleted and their earlier events can no longer be read.
 */
export const CustomerForgotten = z.object({
  type: z.literal('CustomerForgotten'),
  data: z.object({}),
});

/** Every fact the Customer aggregate can record. `type` is the envelope's `eventType`. */
export const CustomerEvent = z.discriminatedUnion('type', [
  CustomerRegistered,
  CustomerEmailUpdated,
  CustomerSuspended,
  CustomerReactivated,
  CustomerForgotten,
]);
export type CustomerEvent = z.infer<typeof CustomerEvent>;
export type CustomerEventType = CustomerEvent['type'];
export const customerEventTypes = CustomerEvent.options.map((o) => o.shape.type.value);
