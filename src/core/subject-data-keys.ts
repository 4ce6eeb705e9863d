import type { DataKeyCache } from './data-key-cache.js';
import { DataKeyForgottenError, type DataKeyWrapper, type SubjectKeyStore } from './data-keys.js';

export interface SubjectDataKeysOptions {
  wrapper: DataKeyWrapper;
  store: SubjectKeyStore;
  cache: DataKeyCache;
}

/**
 * The plaintext data key of a subject (whose personal data it encrypts, see `subjectOf`),
 * from the cache when warm (no store read, no KMS call), else read from the store and
 * unwrapped once. Concurrent cold requests for one subject share a single lookup.
 */
export class SubjectDataKeys {
  private readonly inFlight = new Map<string, Promise<Uint8Array>>();
  /** Bumped by every `forget`, so a lookup that started before one never caches its key. */
  private forgets = 0;

  constructor(private readonly options: SubjectDataKeysOptions) {}

  /**
   * For a subject's first write: their key, or a new one. Two writers racing for a new
   * subject converge on the key stored first. Not for subjects who may have been
   * forgotten: that would give them a fresh key.
   */
  getOrCreate(subjectId: string): Promise<Uint8Array> {
    return this.once('create', subjectId, async () => {
      const stored = await this.options.store.get(subjectId);
      if (stored) return this.options.wrapper.unwrap(subjectId, stored);
      return this.create(subjectId);
    });
  }

  /**
   * For the first write of a stream that has no event yet: as `getOrCreate` without the read
   * first, since such a stream has no key (a key stored meanwhile by a racing writer still
   * wins, the put being conditional).
   */
  createForNewStream(subjectId: string): Promise<Uint8Array> {
    return this.once('create', subjectId, () => this.create(subjectId));
  }

  /** For every other read and write; `DataKeyForgottenError` once the key is deleted. */
  get(subjectId: string): Promise<Uint8Array> {
    return this.once('get', subjectId, async () => {
      const stored = await this.options.store.get(subjectId);
      if (!stored) throw new DataKeyForgottenError(subjectId);
      return this.options.wrapper.unwrap(subjectId, stored);
    });
  }

  /**
   * Crypto-shreds the subject: deletes the stored key and drops it from this process's
   * cache. Other processes drop theirs on their first read that sees the erasure event
   * (`drop`), else within the cache's maximum age.
   */
  async forget(subjectId: string): Promise<boolean> {
    this.forgets++;
    this.options.cache.delete(subjectId);
    const deleted = await this.options.store.delete(subjectId);
    // Again: a lookup that started while the delete was under way may have read the key.
    this.forgets++;
    this.options.cache.delete(subjectId);
    return deleted;
  }

  /**
   * Forgets the key in this process alone (another process erased the subject); a lookup
   * under way does not cache what it reads. The stored key is left to the erasure.
   */
  drop(subjectId: string): void {
    this.forgets++;
    this.options.cache.delete(subjectId);
  }

  /** A new key, stored only if none is yet; a racing writer's stored key wins. */
  private async create(subjectId: string): Promise<Uint8Array> {
    const fresh = await this.options.wrapper.generate(subjectId);
    const kept = await this.options.store.putIfAbsent(subjectId, fresh.wrapped);
    return kept.created ? fresh.plaintext : this.options.wrapper.unwrap(subjectId, kept.wrapped);
  }

  private once(
    mode: 'create' | 'get',
    subjectId: string,
    load: () => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    const cached = this.options.cache.get(subjectId);
    if (cached) return Promise.resolve(cached);
    // A get must not share a create's lookup (or the reverse): they differ on a missing key.
    const flightKey = `${mode}:${subjectId}`;
    const pending = this.inFlight.get(flightKey);
    if (pending) return pending;
    const forgetsAtStart = this.forgets;
    const lookup = load()
      .then((key) => {
        if (this.forgets === forgetsAtStart) this.options.cache.set(subjectId, key);
        return key;
      })
      .finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, lookup);
    return lookup;
  }
}
