import type { DataKeyCache } from './data-key-cache.js';
import { type CustomerKeyStore, DataKeyForgottenError, type DataKeyWrapper } from './data-keys.js';

export interface CustomerDataKeysOptions {
  wrapper: DataKeyWrapper;
  store: CustomerKeyStore;
  cache: DataKeyCache;
}

/**
 * The plaintext data key of a customer, from the cache when warm (no store read, no KMS
 * call), else read from the store and unwrapped once. Concurrent cold requests for one
 * customer share a single lookup.
 */
export class CustomerDataKeys {
  private readonly inFlight = new Map<string, Promise<Uint8Array>>();
  /** Bumped by every `forget`, so a lookup that started before one never caches its key. */
  private forgets = 0;

  constructor(private readonly options: CustomerDataKeysOptions) {}

  /**
   * For a customer's first write: their key, or a new one. Two writers racing for a new
   * customer converge on the key stored first. Not for customers who may have been
   * forgotten: that would give them a fresh key.
   */
  getOrCreate(customerId: string): Promise<Uint8Array> {
    return this.once('create', customerId, async () => {
      const stored = await this.options.store.get(customerId);
      if (stored) return this.options.wrapper.unwrap(customerId, stored);
      return this.create(customerId);
    });
  }

  /**
   * For the first write of a stream that has no event yet: as `getOrCreate` without the read
   * first, since such a stream has no key (a key stored meanwhile by a racing writer still
   * wins, the put being conditional).
   */
  createForNewStream(customerId: string): Promise<Uint8Array> {
    return this.once('create', customerId, () => this.create(customerId));
  }

  /** For every other read and write; `DataKeyForgottenError` once the key is deleted. */
  get(customerId: string): Promise<Uint8Array> {
    return this.once('get', customerId, async () => {
      const stored = await this.options.store.get(customerId);
      if (!stored) throw new DataKeyForgottenError(customerId);
      return this.options.wrapper.unwrap(customerId, stored);
    });
  }

  /**
   * Crypto-shreds the customer: deletes the stored key and drops it from this process's
   * cache. Other processes drop theirs on their first read that sees the erasure event
   * (`drop`), else within the cache's maximum age.
   */
  async forget(customerId: string): Promise<boolean> {
    this.forgets++;
    this.options.cache.delete(customerId);
    const deleted = await this.options.store.delete(customerId);
    // Again: a lookup that started while the delete was under way may have read the key.
    this.forgets++;
    this.options.cache.delete(customerId);
    return deleted;
  }

  /**
   * Forgets the key in this process alone (another process erased the customer); a lookup
   * under way does not cache what it reads. The stored key is left to the erasure.
   */
  drop(customerId: string): void {
    this.forgets++;
    this.options.cache.delete(customerId);
  }

  /** A new key, stored only if none is yet; a racing writer's stored key wins. */
  private async create(customerId: string): Promise<Uint8Array> {
    const fresh = await this.options.wrapper.generate(customerId);
    const kept = await this.options.store.putIfAbsent(customerId, fresh.wrapped);
    return kept.created ? fresh.plaintext : this.options.wrapper.unwrap(customerId, kept.wrapped);
  }

  private once(
    mode: 'create' | 'get',
    customerId: string,
    load: () => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    const cached = this.options.cache.get(customerId);
    if (cached) return Promise.resolve(cached);
    // A get must not share a create's lookup (or the reverse): they differ on a missing key.
    const flightKey = `${mode}:${customerId}`;
    const pending = this.inFlight.get(flightKey);
    if (pending) return pending;
    const forgetsAtStart = this.forgets;
    const lookup = load()
      .then((key) => {
        if (this.forgets === forgetsAtStart) this.options.cache.set(customerId, key);
        return key;
      })
      .finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, lookup);
    return lookup;
  }
}
