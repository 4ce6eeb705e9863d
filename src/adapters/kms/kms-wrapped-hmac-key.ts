import type { KMSClient } from '@aws-sdk/client-kms';
import type { WrappedSecretStore } from '../../core/data-keys.js';
import { loadOnce } from '../../core/load-once.js';
import { decryptDataKey, generateDataKey } from './kms-data-key-calls.js';

export const EMAIL_CLAIMS_SECRET = 'email-claims';

export interface KMSWrappedHmacKeyOptions {
  client: KMSClient;
  /** The wrapping key: id, ARN, alias name or alias ARN. */
  keyId: string;
  store: WrappedSecretStore;
  /** The secret's name in the store and its encryption context's `purpose`. */
  purpose?: string;
}

/**
 * A process-wide HMAC secret that exists only wrapped by KMS at rest: generated once (the
 * first process to store it wins; the others unwrap the winner's), unwrapped once per
 * process and then kept in memory, so hashing costs no KMS call. A failed load is not
 * remembered: the next call tries again.
 */
export class KMSWrappedHmacKey {
  /** The secret, loaded once per process (a failed load is tried again). */
  readonly secret: () => Promise<Uint8Array> = loadOnce(() => this.load());
  private readonly purpose: string;

  constructor(private readonly options: KMSWrappedHmacKeyOptions) {
    this.purpose = options.purpose ?? EMAIL_CLAIMS_SECRET;
  }

  private async load(): Promise<Uint8Array> {
    const { client, keyId, store } = this.options;
    const context = { purpose: this.purpose };
    const stored = await store.get(this.purpose);
    if (stored) return decryptDataKey(client, stored, context);
    const fresh = await generateDataKey(client, keyId, context);
    const kept = await store.putIfAbsent(this.purpose, fresh.wrapped);
    return kept.created ? fresh.plaintext : decryptDataKey(client, kept.wrapped, context);
  }
}
