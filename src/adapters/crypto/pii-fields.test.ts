import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FieldDecryptionError, InvalidPiiFieldError } from './crypto-errors.js';
import { isEncryptedValue } from './field-cipher.js';
import { decryptPiiFields, encryptPiiFields, PII_FIELDS } from './pii-fields.js';

const key = randomBytes(32);
const customerId = 'c-42';

describe('PII field encryption', () => {
  it('encrypts exactly the PII fields of a payload and restores them', () => {
    const registered = { email: 'ada@example.com', name: 'Ada Lovelace', plan: 'gold', age: 36 };
    const encrypted = encryptPiiFields(registered, key, { customerId });
    expect(isEncryptedValue(encrypted.email)).toBe(true);
    expect(isEncryptedValue(encrypted.name)).toBe(true);
    expect({ plan: encrypted.plan, age: encrypted.age }).toEqual({ plan: 'gold', age: 36 });
    const json = JSON.stringify(encrypted);
    expect(json).not.toContain('ada@example.com');
    expect(json).not.toContain('Lovelace');
    expect(decryptPiiFields(encrypted, key, { customerId })).toEqual(registered);
    expect(registered.email).toBe('ada@example.com'); // the input is not changed
  });

  it('covers email, name, oldEmail, newEmail and the suspension note', () => {
    expect([...PII_FIELDS]).toEqual(['email', 'name', 'oldEmail', 'newEmail', 'note']);
    const changed = { oldEmail: 'a@example.com', newEmail: 'b@example.com' };
    const suspended = { reasonCode: 'FRAUD', note: 'called from +44 20 7946 0000' };
    const e1 = encryptPiiFields(changed, key, { customerId });
    const e2 = encryptPiiFields(suspended, key, { customerId });
    expect(isEncryptedValue(e1.oldEmail) && isEncryptedValue(e1.newEmail)).toBe(true);
    expect(isEncryptedValue(e2.note)).toBe(true);
    expect(e2.reasonCode).toBe('FRAUD');
    expect(decryptPiiFields(e1, key, { customerId })).toEqual(changed);
    expect(decryptPiiFields(e2, key, { customerId })).toEqual(suspended);
  });

  it('leaves absent fields absent and does not encrypt an encrypted value twice', () => {
    const once = encryptPiiFields({ reasonCode: 'OTHER' } as Record<string, unknown>, key, {
      customerId,
    });
    expect(once).toEqual({ reasonCode: 'OTHER' });
    const encrypted = encryptPiiFields({ email: 'a@example.com' }, key, { customerId });
    expect(encryptPiiFields(encrypted, key, { customerId })).toEqual(encrypted);
  });

  it('binds each value to its field: swapped values do not decrypt', () => {
    const encrypted = encryptPiiFields({ email: 'a@example.com', name: 'A' }, key, { customerId });
    const swapped = { email: encrypted.name, name: encrypted.email };
    expect(() => decryptPiiFields(swapped, key, { customerId })).toThrow(FieldDecryptionError);
    expect(() => decryptPiiFields(encrypted, key, { customerId: 'c-43' })).toThrow(
      FieldDecryptionError,
    );
  });

  it('passes plaintext through on decryption (events written before encryption)', () => {
    const legacy = { email: 'old@example.com', name: 'Old' };
    expect(decryptPiiFields(legacy, key, { customerId })).toEqual(legacy);
  });

  it('refuses a PII field that is neither text nor encrypted, naming it', () => {
    const encrypting = () => encryptPiiFields({ name: { first: 'Ada' } }, key, { customerId });
    expect(encrypting).toThrow(InvalidPiiFieldError);
    expect(encrypting).toThrow(/name/);
    const decrypting = () => decryptPiiFields({ note: 42 }, key, { customerId });
    expect(decrypting).toThrow(/note/);
  });

  it('encrypts only the fields it is given', () => {
    const encrypted = encryptPiiFields({ email: 'a@example.com', name: 'A' }, key, {
      customerId,
      fields: ['name'],
    });
    expect(encrypted.email).toBe('a@example.com');
    expect(isEncryptedValue(encrypted.name)).toBe(true);
  });
});
