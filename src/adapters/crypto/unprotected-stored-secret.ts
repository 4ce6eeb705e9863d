import { randomBytes } from 'node:crypto';
import type { WrappedSecretStore } from '../../core/data-keys.js';
import { loadOnce } from '../../core/load-once.js';

export const UNPROTECTED_FINGERPRINT_SECRET = 'request-fingerprints-unprotected';

export interface UnprotectedStoredSecretOptions {
  store: WrappedSecretStore;
  /** The secret's name in the store. */
  name: string;
}

/**
 * A process-wide secret for a service run without a KMS key (plaintext mode): 256 random
 * bits stored as they are, the first process to store them winning, so every process derives
 * the same keys. It keeps request fingerprints keyed, though not protected by KMS: in this
 * mode the events beside it hold personal data in plaintext anyway. Loaded once per process;
 * a failed load is not remembered.
 */
export class UnprotectedStoredSecret {
  /** The secret, loaded once per process (a failed load is tried again). */
  readonly secret: () => Promise<Uint8Array> = loadOnce(() => this.load());

  constructor(private readonly options: UnprotectedStoredSecretOptions) {}

  private async load(): Promise<Uint8Array> {
    const { store, name } = this.options;
    const stored = await store.get(name);
    if (stored) return stored;
    return (await store.putIfAbsent(name, randomBytes(32))).wrapped;
  }
}
