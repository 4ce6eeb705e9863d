import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FieldDecryptionError,
  InvalidDataKeyError,
  MalformedEncryptedValueError,
} from './crypto-errors.js';
import { decryptField, encryptField, isEncryptedValue } from './field-cipher.js';

const key = randomBytes(32);
const context = { subjectId: '7f1c6a52-9b8e-4d2e-a6c1-3f0e9d2b4a11', field: 'email' };

describe('field cipher', () => {
  it('round-trips text, including empty and non-ASCII text', () => {
    for (const text of ['ada@example.com', '', 'Zoë Ødegård 名前 🙂', 'x'.repeat(10_000)]) {
      const value = encryptField(key, text, context);
      expect(isEncryptedValue(value)).toBe(true);
      expect(value.$enc).toMatch(/^v1:[A-Za-z0-9_-]+$/);
      expect(decryptField(key, value, context)).toBe(text);
    }
  });

  it('holds none of the plaintext bytes, in the value or in its decoded bytes', () => {
    const text = 'ada.lovelace@example.com';
    const value = encryptField(key, text, context);
    const decoded = Buffer.from(value.$enc.slice(3), 'base64url');
    expect(value.$enc).not.toContain('lovelace');
    expect(decoded.includes(Buffer.from(text))).toBe(false);
    expect(decoded.includes(Buffer.from('lovelace'))).toBe(false);
    // IV, tag and ciphertext of the same length as the text.
    expect(decoded.length).toBe(12 + 16 + Buffer.byteLength(text));
  });

  it('gives a different value each time (random IV)', () => {
    const a = encryptField(key, 'same', context);
    const b = encryptField(key, 'same', context);
    expect(a.$enc).not.toBe(b.$enc);
  });

  it('refuses another key, another subject, another field and any changed byte', () => {
    const value = encryptField(key, 'ada@example.com', context);
    const attempts = [
      () => decryptField(randomBytes(32), value, context),
      () => decryptField(key, value, { ...context, subjectId: 'someone-else' }),
      () => decryptField(key, value, { ...context, field: 'name' }),
    ];
    const bytes = Buffer.from(value.$enc.slice(3), 'base64url');
    for (let at = 0; at < bytes.length; at++) {
      const changed = Buffer.from(bytes);
      changed[at] = (changed[at] ?? 0) ^ 0x80;
      attempts.push(() =>
        decryptField(key, { $enc: `v1:${changed.toString('base64url')}` }, context),
      );
    }
    for (const attempt of attempts) expect(attempt).toThrow(FieldDecryptionError);
  });

  it('names the field and subject in its errors, never the value', () => {
    const value = encryptField(key, 'ada@example.com', context);
    const error = (() => {
      try {
        decryptField(randomBytes(32), value, context);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('email');
    expect(error?.message).toContain(context.subjectId);
    expect(error?.message).not.toContain('ada@example.com');
    expect(error?.cause).toBeDefined();
  });

  it('refuses unknown formats, truncated values and keys that are not 32 bytes', () => {
    expect(() => decryptField(key, { $enc: 'v2:AAAA' }, context)).toThrow(
      MalformedEncryptedValueError,
    );
    expect(() => decryptField(key, { $enc: 'v1:AAAA' }, context)).toThrow(
      MalformedEncryptedValueError,
    );
    expect(() => encryptField(randomBytes(16), 'x', context)).toThrow(InvalidDataKeyError);
    expect(() => decryptField(randomBytes(31), { $enc: 'v1:AAAA' }, context)).toThrow(
      InvalidDataKeyError,
    );
  });

  it('recognises only single-key {$enc: string} objects as encrypted values', () => {
    expect(isEncryptedValue({ $enc: 'v1:x' })).toBe(true);
    for (const value of ['v1:x', null, [], { $enc: 1 }, { $enc: 'v1:x', other: 1 }, {}])
      expect(isEncryptedValue(value)).toBe(false);
  });
});
