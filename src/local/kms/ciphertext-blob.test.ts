import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobKeyId, openBlob, sealBlob } from './ciphertext-blob.js';
import { canonicalEncryptionContext, parseEncryptionContext } from './encryption-context.js';

describe('encryption context', () => {
  it('has one canonical form whatever the order of its pairs', () => {
    expect(canonicalEncryptionContext({ b: '2', a: '1' })).toEqual(
      canonicalEncryptionContext({ a: '1', b: '2' }),
    );
  });

  it('keeps contexts apart that a naive join would confuse', () => {
    const pairs: [Record<string, string>, Record<string, string>][] = [
      [{ a: 'b,c' }, { a: 'b', c: '' }],
      [{ 'a=b': 'c' }, { a: 'b=c' }],
      [{}, { '': '' }],
    ];
    for (const [one, other] of pairs)
      expect(canonicalEncryptionContext(one)).not.toEqual(canonicalEncryptionContext(other));
  });

  it('accepts only maps of non-empty keys to strings', () => {
    expect(parseEncryptionContext(undefined)).toEqual({});
    expect(parseEncryptionContext({ customerId: 'c-1' })).toEqual({ customerId: 'c-1' });
    for (const bad of [[], 'x', { a: 1 }, { '': 'x' }])
      expect(() => parseEncryptionContext(bad)).toThrow();
  });
});

describe('ciphertext blob', () => {
  const keyId = randomUUID();
  const material = randomBytes(32);

  it('names its key and opens under the same context only', () => {
    const blob = sealBlob(keyId, material, Buffer.from('data key'), { customerId: 'c-1' });
    expect(blobKeyId(blob)).toBe(keyId);
    expect(openBlob(material, blob, { customerId: 'c-1' }).toString()).toBe('data key');
    expect(() => openBlob(material, blob, { customerId: 'c-2' })).toThrow(
      expect.objectContaining({ type: 'InvalidCiphertextException' }),
    );
    expect(() => openBlob(randomBytes(32), blob, { customerId: 'c-1' })).toThrow(
      expect.objectContaining({ type: 'InvalidCiphertextException' }),
    );
  });

  it('authenticates the key id it names: a blob relabelled for another key is refused', () => {
    const blob = sealBlob(keyId, material, Buffer.from('x'), {});
    const relabelled = Buffer.from(blob);
    Buffer.from(randomUUID().replaceAll('-', ''), 'hex').copy(relabelled, 1);
    expect(() => openBlob(material, relabelled, {})).toThrow(
      expect.objectContaining({ type: 'InvalidCiphertextException' }),
    );
  });

  it('knows no key in bytes too short or of another version', () => {
    expect(blobKeyId(randomBytes(10))).toBeUndefined();
    const blob = sealBlob(keyId, material, Buffer.from('x'), {});
    blob[0] = 2;
    expect(blobKeyId(blob)).toBeUndefined();
  });
});
