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
export const CustomerSuspended = z.object({
  type: z.literal('CustomerSuspended'),
  data: z.object({ reason: z.string() }),
});
export const CustomerReactivated = z.object({
  type: z.literal('CustomerReactivated'),
  data: z.object({}),
});

/** Every fact the Customer aggregate can record. `type` is the envelope's `eventType`. */
export const CustomerEvent = z.discriminatedUnion('type', [
  CustomerRegistered,
  CustomerEmailUpdated,
  CustomerSuspended,
  CustomerReactivated,
]);
export type CustomerEvent = z.infer<typeof CustomerEvent>;
export type CustomerEventType = CustomerEvent['type'];
export const customerEventTypes = CustomerEvent.options.map((o) => o.shape.type.value);
