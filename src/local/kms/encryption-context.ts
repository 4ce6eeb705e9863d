import { KmsError } from './kms-errors.js';

export type EncryptionContext = Record<string, string>;

/** KMS takes the context as a string-to-string map; anything else is refused. */
export const parseEncryptionContext = (value: unknown): EncryptionContext => {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new KmsError('SerializationException', 'EncryptionContext must be a map.');
  const context: EncryptionContext = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key === '' || typeof entry !== 'string')
      throw new KmsError(
        'ValidationException',
        'EncryptionContext keys must be non-empty strings with string values.',
      );
    context[key] = entry;
  }
  return context;
};

/**
 * The bytes authenticated with a ciphertext. KMS ignores the order of the pairs, so they
 * are sorted; a JSON array of pairs keeps `{a: "b,c"}` and `{a: "b", c: ""}` apart.
 */
export const canonicalEncryptionContext = (context: EncryptionContext): Buffer =>
  Buffer.from(
    JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    'utf8',
  );
