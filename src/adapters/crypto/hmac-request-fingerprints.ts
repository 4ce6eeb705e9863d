import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { RequestFingerprint, RequestFingerprints } from '../../core/command-handler.js';

/** Marks the keyed form; a record without it holds the plain SHA-256 written before. */
export const FINGERPRINT_PREFIX = 'hmac-sha256:';

/** HKDF `info`: the fingerprints' key differs from every other key drawn from the secret. */
export const FINGERPRINT_KEY_LABEL = 'customer-service/request-fingerprint/v1';

const LEGACY_FINGERPRINT = /^[0-9a-f]{64}$/;
const MIN_SECRET_BYTES = 32;

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
};

export interface HmacRequestFingerprintsOptions {
  /**
   * The secret the key is derived from (at least 32 bytes), e.g. the KMS-wrapped HMAC secret
   * of the email claims; fetched per call (it caches itself).
   */
  secret: () => Promise<Uint8Array>;
}

/**
 * `hmac-sha256:<hex>`: HMAC-SHA-256 of the request under a key derived from the secret with
 * HKDF-SHA-256 and its own label. Without the secret, a record confirms no guessed request.
 * A record written before holds the plain SHA-256 of the same text: it is still honoured
 * (its TTL ends it), and never written again.
 */
export class HmacRequestFingerprints implements RequestFingerprints {
  private derived: { from: Uint8Array; key: Buffer } | undefined;

  constructor(private readonly options: HmacRequestFingerprintsOptions) {}

  async of(request: string): Promise<RequestFingerprint> {
    const key = this.keyFrom(await this.options.secret());
    const value = `${FINGERPRINT_PREFIX}${createHmac('sha256', key).update(request, 'utf8').digest('hex')}`;
    return {
      value,
      matches: (recorded) => {
        if (recorded.startsWith(FINGERPRINT_PREFIX)) return sameText(recorded, value);
        if (!LEGACY_FINGERPRINT.test(recorded)) return false;
        return sameText(recorded, createHash('sha256').update(request, 'utf8').digest('hex'));
      },
    };
  }

  private keyFrom(secret: Uint8Array): Buffer {
    if (this.derived?.from === secret) return this.derived.key;
    if (secret.length < MIN_SECRET_BYTES)
      throw new RangeError(
        `The fingerprint secret has ${secret.length} bytes, fewer than ${MIN_SECRET_BYTES}`,
      );
    const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), FINGERPRINT_KEY_LABEL, 32));
    this.derived = { from: secret, key };
    return key;
  }
}
