import * as z from 'zod';
import { SuspensionReasonCode } from './events.js';

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
export const SuspensionNote = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters')
  .regex(PRINTABLE, printable);
export const ReasonCode = z.enum(SuspensionReasonCode.options, {
  error: `must be one of ${SuspensionReasonCode.options.join(', ')}`,
});
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
/**
 * A suspension is `{reasonCode, note?}`. The first deployment's `{reason}` is still taken,
 * as an `OTHER` suspension with the reason as its note; mixing the two forms is refused.
 */
export const suspensionFields = {
  reasonCode: ReasonCode.optional(),
  note: SuspensionNote.optional(),
  reason: SuspensionNote.optional(),
  expectedVersion: ExpectedVersion.optional(),
};

interface SuspensionInput {
  reasonCode?: SuspensionReasonCode | undefined;
  note?: string | undefined;
  reason?: string | undefined;
}

export const checkSuspension = (input: SuspensionInput, ctx: z.RefinementCtx): void => {
  if (input.reason !== undefined) {
    if (input.reasonCode !== undefined || input.note !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message: 'is the older form of reasonCode and note: give one or the other',
      });
    }
  } else if (input.reasonCode === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['reasonCode'],
      message: `is required: one of ${SuspensionReasonCode.options.join(', ')}`,
    });
  }
};

/** What `SuspendCustomer` carries once read, whichever form it came in. */
export interface SuspendCustomerData {
  customerId: string;
  reasonCode: SuspensionReasonCode;
  note?: string;
  expectedVersion?: number;
}

const toSuspension = ({
  reason,
  reasonCode,
  note,
  ...rest
}: SuspensionInput & { customerId: string; expectedVersion?: number | undefined }) => {
  const data: SuspendCustomerData =
    reason === undefined
      ? // checkSuspension made sure that reasonCode is there.
        { customerId: rest.customerId, reasonCode: reasonCode ?? 'OTHER' }
      : { customerId: rest.customerId, reasonCode: 'OTHER', note: reason };
  if (reason === undefined && note !== undefined) data.note = note;
  if (rest.expectedVersion !== undefined) data.expectedVersion = rest.expectedVersion;
  return data;
};

export const SuspendCustomer = z.strictObject({
  type: z.literal('SuspendCustomer'),
  data: z
    .strictObject({ customerId: CustomerId, ...suspensionFields })
    .superRefine(checkSuspension)
    .transform(toSuspension),
});
export const ReactivateCustomer = z.strictObject({
  type: z.literal('ReactivateCustomer'),
  data: z.strictObject({ customerId: CustomerId, expectedVersion: ExpectedVersion.optional() }),
});

/** Erasure (GDPR article 17): the customer's personal data becomes unreadable everywhere. */
export const ForgetCustomer = z.strictObject({
  type: z.literal('ForgetCustomer'),
  data: z.strictObject({ customerId: CustomerId }),
});

export const CustomerCommand = z.discriminatedUnion('type', [
  RegisterCustomer,
  UpdateEmail,
  SuspendCustomer,
  ReactivateCustomer,
  ForgetCustomer,
]);
export type CustomerCommand = z.infer<typeof CustomerCommand>;
export type CustomerCommandType = CustomerCommand['type'];
