import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FINGERPRINT_PREFIX, HmacRequestFingerprints } from './hmac-request-fingerprints.js';

const request = JSON.stringify({
  type: 'RegisterCustomer',
  data: { customerId: 'c-1', email: 'ada@example.com', name: 'Ada Lovelace' },
});
const other = request.replace('Ada Lovelace', 'Ada King');
const plainSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('HmacRequestFingerprints', () => {
  const secret = randomBytes(32);
  const fingerprints = new HmacRequestFingerprints({ secret: async () => secret });

  it('is a marked keyed MAC: neither the plain hash nor the MAC under the secret itself', async () => {
    const { value } = await fingerprints.of(request);
    expect(value).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(value.startsWith(FINGERPRINT_PREFIX)).toBe(true);
    expect(value).not.toContain(plainSha256(request));
    // The email claims key HMACs with the secret itself: the fingerprints' key is derived apart.
    expect(value).not.toContain(createHmac('sha256', secret).update(request).digest('hex'));
  });

  it('is the same in every process holding the secret, and differs under another secret', async () => {
    const elsewhere = new HmacRequestFingerprints({ secret: async () => Buffer.from(secret) });
    expect((await elsewhere.of(request)).value).toBe((await fingerprints.of(request)).value);
    const otherSecret = new HmacRequestFingerprints({ secret: async () => randomBytes(32) });
    expect((await otherSecret.of(request)).value).not.toBe((await fingerprints.of(request)).value);
  });

  it('matches its own request only', async () => {
    const mine = await fingerprints.of(request);
    const theirs = await fingerprints.of(other);
    expect(mine.matches(mine.value)).toBe(true);
    expect(mine.matches(theirs.value)).toBe(false);
    const flipped = `${mine.value.slice(0, -1)}${mine.value.endsWith('0') ? '1' : '0'}`;
    expect(mine.matches(flipped)).toBe(false);
    expect(mine.matches('')).toBe(false);
  });

  it('honours the plain SHA-256 of a record written before, for the same request only', async () => {
    const mine = await fingerprints.of(request);
    expect(mine.matches(plainSha256(request))).toBe(true);
    expect(mine.matches(plainSha256(other))).toBe(false);
    expect(mine.matches(plainSha256(request).toUpperCase())).toBe(false);
  });

  it('refuses a secret shorter than 256 bits', async () => {
    const weak = new HmacRequestFingerprints({ secret: async () => randomBytes(16) });
    await expect(weak.of(request)).rejects.toThrow(/16 bytes, fewer than 32/);
  });
});
