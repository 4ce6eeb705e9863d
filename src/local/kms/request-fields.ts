import { KmsError, validationError } from './kms-errors.js';

/** The parsed JSON body of one request; every reader below names the field it refuses. */
export type RequestBody = Record<string, unknown>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** KMS field names are PascalCase on the wire and camelCase in its messages. */
const messageName = (field: string) => field.charAt(0).toLowerCase() + field.slice(1);

export const optionalString = (body: RequestBody, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new KmsError('SerializationException', `${field} must be a string.`);
  return value;
};

export const requiredString = (body: RequestBody, field: string): string => {
  const value = optionalString(body, field);
  if (value === undefined || value === '')
    throw validationError(messageName(field), 'Member must not be null');
  return value;
};

export const optionalInteger = (
  body: RequestBody,
  field: string,
  range: { min: number; max: number },
): number | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new KmsError('SerializationException', `${field} must be an integer.`);
  if (value < range.min || value > range.max)
    throw validationError(
      messageName(field),
      `Member must have value between ${range.min} and ${range.max}`,
    );
  return value;
};

/** Blobs travel as base64 strings in AWS JSON. */
export const requiredBlob = (
  body: RequestBody,
  field: string,
  length: { min: number; max: number },
): Buffer => {
  const value = body[field];
  if (value === undefined || value === null || value === '')
    throw validationError(messageName(field), 'Member must not be null');
  if (typeof value !== 'string' || !BASE64.test(value))
    throw new KmsError('SerializationException', `${field} must be a base64 string.`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < length.min || bytes.length > length.max)
    throw validationError(
      messageName(field),
      `Member must have length between ${length.min} and ${length.max}`,
    );
  return bytes;
};

export const blob = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** AWS JSON 1.1 sends timestamps as epoch seconds. */
export const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;
