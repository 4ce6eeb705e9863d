import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacEmailClaimHasher } from './hmac-email-claim-hasher.js';

describe('HmacEmailClaimHasher', () => {
  const secret = randomBytes(32);
  const hasher = new HmacEmailClaimHasher({ secret: async () => secret });

  it('is HMAC-SHA-256 of the normalised email, in hex', async () => {
    const expected = createHmac('sha256', secret).update('ada@example.com').digest('hex');
    expect(await hasher.hash('ada@example.com')).toBe(expected);
    expect(await hasher.hash('  Ada@Example.COM ')).toBe(expected);
  });

  it('differs from a plain SHA-256 and between emails and between secrets', async () => {
    const hash = await hasher.hash('ada@example.com');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(createHash('sha256').update('ada@example.com').digest('hex'));
    expect(await hasher.hash('bob@example.com')).not.toBe(hash);
    const other = new HmacEmailClaimHasher({ secret: async () => randomBytes(32) });
    expect(await other.hash('ada@example.com')).not.toBe(hash);
  });

  it('refuses a secret shorter than 32 bytes', async () => {
    const weak = new HmacEmailClaimHasher({ secret: async () => randomBytes(16) });
    await expect(weak.hash('ada@example.com')).rejects.toThrow(/16 bytes/);
  });
});
