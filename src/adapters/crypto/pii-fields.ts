import { InvalidPiiFieldError } from './crypto-errors.js';
import {
  decryptField,
  type EncryptedValue,
  encryptField,
  isEncryptedValue,
} from './field-cipher.js';

/** The payload fields that hold personal data, wherever they occur in an event's data. */
export const PII_FIELDS = ['email', 'name', 'oldEmail', 'newEmail', 'note'] as const;
export type PiiField = (typeof PII_FIELDS)[number];

/** A payload whose named string fields hold encrypted values instead. */
export type WithEncryptedFields<T, F extends string = PiiField> = {
  [K in keyof T]: K extends F ? (T[K] extends string ? EncryptedValue : T[K]) : T[K];
};

export interface PiiFieldOptions {
  customerId: string;
  /** `PII_FIELDS` unless given. */
  fields?: readonly string[];
}

/**
 * A copy of `payload` (top-level fields only) with each named field that holds a string
 * replaced by its encrypted value. Absent fields stay absent; a value already encrypted is
 * kept (a retried write does not encrypt twice); any other value is refused, naming the field.
 */
export const encryptPiiFields = <T extends Record<string, unknown>>(
  payload: T,
  key: Uint8Array,
  options: PiiFieldOptions,
): WithEncryptedFields<T> => {
  const result: Record<string, unknown> = { ...payload };
  for (const field of options.fields ?? PII_FIELDS) {
    const value = payload[field];
    if (value === undefined || isEncryptedValue(value)) continue;
    if (typeof value !== 'string')
      throw new InvalidPiiFieldError(
        field,
        `The PII field ${field} must be a string to be encrypted`,
      );
    result[field] = encryptField(key, value, { customerId: options.customerId, field });
  }
  return result as WithEncryptedFields<T>;
};

/**
 * The reverse: each named field that holds an encrypted value is decrypted. A plain string
 * is returned as it is, since events written before encryption hold plaintext; anything
 * else is refused, naming the field.
 */
export const decryptPiiFields = <T extends Record<string, unknown>>(
  payload: WithEncryptedFields<T> | T,
  key: Uint8Array,
  options: PiiFieldOptions,
): T => {
  const result: Record<string, unknown> = { ...payload };
  for (const field of options.fields ?? PII_FIELDS) {
    const value = (payload as Record<string, unknown>)[field];
    if (value === undefined || typeof value === 'string') continue;
    if (!isEncryptedValue(value))
      throw new InvalidPiiFieldError(field, `The PII field ${field} is neither text nor encrypted`);
    result[field] = decryptField(key, value, { customerId: options.customerId, field });
  }
  return result as T;
};
