import * as z from 'zod';

/** Ids are opaque but safe in keys and URLs: letters, digits, `-` and `_`. */
export const CustomerId = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "-" and "_"');

export const Email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ message: 'must be a valid email address' }));

/** Printable text: no control characters, no unpaired UTF-16 surrogates. */
const PRINTABLE = /^[^\p{Cc}\p{Cs}]*$/u;
const printable = 'must not contain control characters or unpaired surrogates';

export const CustomerName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(PRINTABLE, printable);
export const SuspensionReason = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters')
  .regex(PRINTABLE, printable);
export const ExpectedVersion = z.number().int().min(0);

export const RegisterCustomer = z.strictObject({
  type: z.literal('RegisterCustomer'),
  data: z.strictObject({ customerId: CustomerId, email: Email, name: CustomerName }),
});
export const UpdateEmail = z.strictObject({
  type: z.literal('UpdateEmail'),
  data: z.strictObject({
    customerId: CustomerId,
    newEmail: Email,
    expectedVersion: ExpectedVersion.optional(),
  }),
});
export const SuspendCustomer = z.strictObject({
  type: z.literal('SuspendCustomer'),
  data: z.strictObject({
    customerId: CustomerId,
    reason: SuspensionReason,
    expectedVersion: ExpectedVersion.optional(),
  }),
});
export const ReactivateCustomer = z.strictObject({
  type: z.literal('ReactivateCustomer'),
  data: z.strictObject({ customerId: CustomerId, expectedVersion: ExpectedVersion.optional() }),
});

export const CustomerCommand = z.discriminatedUnion('type', [
  RegisterCustomer,
  UpdateEmail,
  SuspendCustomer,
  ReactivateCustomer,
]);
export type CustomerCommand = z.infer<typeof CustomerCommand>;
export type CustomerCommandType = CustomerCommand['type'];
