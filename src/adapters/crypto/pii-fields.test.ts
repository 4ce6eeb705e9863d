import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { customerPersonalData } from '../../domain/customer/personal-data.js';
import { FieldDecryptionError, InvalidPiiFieldError } from './crypto-errors.js';
import { isEncryptedValue } from './field-cipher.js';
import { decryptPiiFields, encryptPiiFields } from './pii-fields.js';

const key = randomBytes(32);
const subjectId = 'c-42';
const { fields } = customerPersonalData;
const options = { subjectId, fields };

describe('PII field encryption', () => {
  it('encrypts exactly the PII fields of a payload and restores them', () => {
    const registered = { email: 'ada@example.com', name: 'Ada Lovelace', plan: 'gold', age: 36 };
    const encrypted = encryptPiiFields(registered, key, options);
    expect(isEncryptedValue(encrypted.email)).toBe(true);
    expect(isEncryptedValue(encrypted.name)).toBe(true);
    expect({ plan: encrypted.plan, age: encrypted.age }).toEqual({ plan: 'gold', age: 36 });
    const json = JSON.stringify(encrypted);
    expect(json).not.toContain('ada@example.com');
    expect(json).not.toContain('Lovelace');
    expect(decryptPiiFields(encrypted, key, options)).toEqual(registered);
    expect(registered.email).toBe('ada@example.com'); // the input is not changed
  });

  it("covers the Customer's email, name, oldEmail, newEmail, note and v1 reason", () => {
    expect([...fields]).toEqual(['email', 'name', 'oldEmail', 'newEmail', 'note', 'reason']);
    const changed = { oldEmail: 'a@example.com', newEmail: 'b@example.com' };
    const suspended = { reasonCode: 'FRAUD', note: 'called from +44 20 7946 0000' };
    const e1 = encryptPiiFields(changed, key, options);
    const e2 = encryptPiiFields(suspended, key, options);
    expect(isEncryptedValue(e1.oldEmail) && isEncryptedValue(e1.newEmail)).toBe(true);
    expect(isEncryptedValue(e2.note)).toBe(true);
    expect(e2.reasonCode).toBe('FRAUD');
    expect(decryptPiiFields(e1, key, options)).toEqual(changed);
    expect(decryptPiiFields(e2, key, options)).toEqual(suspended);
  });

  it('leaves absent fields absent and does not encrypt an encrypted value twice', () => {
    const once = encryptPiiFields({ reasonCode: 'OTHER' } as Record<string, unknown>, key, options);
    expect(once).toEqual({ reasonCode: 'OTHER' });
    const encrypted = encryptPiiFields({ email: 'a@example.com' }, key, options);
    expect(encryptPiiFields(encrypted, key, options)).toEqual(encrypted);
  });

  it('binds each value to its field: swapped values do not decrypt', () => {
    const encrypted = encryptPiiFields({ email: 'a@example.com', name: 'A' }, key, options);
    const swapped = { email: encrypted.name, name: encrypted.email };
    expect(() => decryptPiiFields(swapped, key, options)).toThrow(FieldDecryptionError);
    expect(() => decryptPiiFields(encrypted, key, { subjectId: 'c-43', fields })).toThrow(
      FieldDecryptionError,
    );
  });

  it('passes plaintext through on decryption (events written before encryption)', () => {
    const legacy = { email: 'old@example.com', name: 'Old' };
    expect(decryptPiiFields(legacy, key, options)).toEqual(legacy);
  });

  it('refuses a PII field that is neither text nor encrypted, naming it', () => {
    const encrypting = () => encryptPiiFields({ name: { first: 'Ada' } }, key, options);
    expect(encrypting).toThrow(InvalidPiiFieldError);
    expect(encrypting).toThrow(/name/);
    const decrypting = () => decryptPiiFields({ note: 42 }, key, options);
    expect(decrypting).toThrow(/note/);
  });

  it('encrypts only the fields it is given', () => {
    const encrypted = encryptPiiFields({ email: 'a@example.com', name: 'A' }, key, {
      subjectId,
      fields: ['name'],
    });
    expect(encrypted.email).toBe('a@example.com');
    expect(isEncryptedValue(encrypted.name)).toBe(true);
  });
});
