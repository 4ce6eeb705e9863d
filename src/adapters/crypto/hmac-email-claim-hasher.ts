import { createHmac } from 'node:crypto';
import type { EmailClaimHasher } from '../../core/data-keys.js';
import { normaliseEmail } from '../../domain/customer/index.js';

export interface HmacEmailClaimHasherOptions {
  /** The HMAC secret (at least 32 bytes), e.g. `KMSWrappedHmacKey.secret`; fetched per call. */
  secret: () => Promise<Uint8Array>;
}

const MIN_SECRET_BYTES = 32;

/**
 * HMAC-SHA-256 of the normalised email, hex: what an email claim is keyed by. Unlike a
 * plain hash it cannot be reversed by hashing a list of known addresses without the secret.
 */
export class HmacEmailClaimHasher implements EmailClaimHasher {
  constructor(private readonly options: HmacEmailClaimHasherOptions) {}

  async hash(email: string): Promise<string> {
    const secret = await this.options.secret();
    if (secret.length < MIN_SECRET_BYTES)
      throw new RangeError(
        `The email claim secret has ${secret.length} bytes, fewer than ${MIN_SECRET_BYTES}`,
      );
    return createHmac('sha256', secret).update(normaliseEmail(email), 'utf8').digest('hex');
  }
}
