import { InvalidPiiFieldError } from './crypto-errors.js';
import { decryptField, encryptField, isEncryptedValue } from './field-cipher.js';

/** An event payload (or state) whose fields can be read: a plain object. */
export type Payload = Record<string, unknown>;

export interface PiiFieldOptions {
  /** Whose key this is (`subjectOf`): each value is bound to it. */
  subjectId: string;
  /** The fields that hold personal data (a module's `PersonalDataDeclaration.fields`). */
  fields: readonly string[];
}

/**
 * A copy of `payload` (top-level fields only) with each named field that holds a string
 * replaced by its encrypted value. Absent fields stay absent; a value already encrypted is
 * kept (a retried write does not encrypt twice); any other value is refused, naming the field.
 */
export const encryptPiiFields = (
  payload: Payload,
  key: Uint8Array,
  options: PiiFieldOptions,
): Payload => {
  const result: Payload = { ...payload };
  for (const field of options.fields) {
    const value = payload[field];
    if (value === undefined || isEncryptedValue(value)) continue;
    if (typeof value !== 'string')
      throw new InvalidPiiFieldError(
        field,
        `The PII field ${field} must be a string to be encrypted`,
      );
    result[field] = encryptField(key, value, { subjectId: options.subjectId, field });
  }
  return result;
};

/**
 * The reverse: each named field that holds an encrypted value is decrypted. A plain string
 * is returned as it is, since events written before encryption hold plaintext; anything
 * else is refused, naming the field.
 */
export const decryptPiiFields = (
  payload: Payload,
  key: Uint8Array,
  options: PiiFieldOptions,
): Payload => {
  const result: Payload = { ...payload };
  for (const field of options.fields) {
    const value = payload[field];
    if (value === undefined || typeof value === 'string') continue;
    if (!isEncryptedValue(value))
      throw new InvalidPiiFieldError(field, `The PII field ${field} is neither text nor encrypted`);
    result[field] = decryptField(key, value, { subjectId: options.subjectId, field });
  }
  return result;
};

/** Whether a value is a payload whose fields can be read: a plain object. */
export const isPayload = (value: unknown): value is Payload =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether any of `fields` holds plaintext (a string) in `payload`. */
export const hasPlaintextFields = (payload: unknown, fields: readonly string[]): boolean =>
  isPayload(payload) && fields.some((field) => typeof payload[field] === 'string');

/** Whether any of `fields` holds an encrypted value in `payload`. */
export const hasEncryptedFields = (payload: unknown, fields: readonly string[]): boolean =>
  isPayload(payload) && fields.some((field) => isEncryptedValue(payload[field]));

/** A copy of `payload` with each of `fields` for which `replace` holds set to `value`. */
export const replaceFields = (
  payload: Payload,
  fields: readonly string[],
  replace: (value: unknown) => boolean,
  value: unknown,
): Payload => {
  const result: Payload = { ...payload };
  for (const field of fields) if (replace(payload[field])) result[field] = value;
  return result;
};
