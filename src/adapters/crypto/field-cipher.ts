import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  FieldDecryptionError,
  InvalidDataKeyError,
  MalformedEncryptedValueError,
} from './crypto-errors.js';

/**
 * One encrypted field value: `{"$enc": "v1:<base64url(iv | tag | ciphertext)>"}`.
 *
 * - An object, not a prefixed string, so no plaintext (a name a customer typed, an event
 *   written before encryption) can ever be taken for ciphertext.
 * - `v1` is AES-256-GCM with a random 96-bit IV and a 128-bit tag; a later format gets
 *   another version and old values stay readable.
 * - The AAD is the format, the subject id (`subjectOf`) and the field name, so a value moved
 *   to another subject or field fails authentication instead of decrypting.
 *
 * Overhead: 28 bytes before base64, about 50 characters in JSON.
 */
export interface EncryptedValue {
  $enc: string;
}

export interface FieldContext {
  subjectId: string;
  field: string;
}

const VERSION = 'v1';
const PREFIX = `${VERSION}:`;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const isEncryptedValue = (value: unknown): value is EncryptedValue =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  typeof (value as { $enc?: unknown }).$enc === 'string' &&
  Object.keys(value).length === 1;

const checkKey = (key: Uint8Array): void => {
  if (key.length !== KEY_BYTES)
    throw new InvalidDataKeyError(`A data key has ${KEY_BYTES} bytes, not ${key.length}`);
};

/** The label is the one v1 values were sealed with when every subject was a customer. */
const additionalData = (context: FieldContext): Buffer =>
  Buffer.from(
    JSON.stringify(['customer-field', VERSION, context.subjectId, context.field]),
    'utf8',
  );

export const encryptField = (
  key: Uint8Array,
  plaintext: string,
  context: FieldContext,
): EncryptedValue => {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { $enc: PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url') };
};

export const decryptField = (
  key: Uint8Array,
  value: EncryptedValue,
  context: FieldContext,
): string => {
  checkKey(key);
  const where = `field ${context.field} of subject ${context.subjectId}`;
  if (!value.$enc.startsWith(PREFIX))
    throw new MalformedEncryptedValueError(`The ${where} has an unknown encryption format`);
  const bytes = Buffer.from(value.$enc.slice(PREFIX.length), 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES)
    throw new MalformedEncryptedValueError(`The ${where} is too short to be encrypted`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(additionalData(context));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw new FieldDecryptionError(`The ${where} does not decrypt with this key`, { cause: error });
  }
};
