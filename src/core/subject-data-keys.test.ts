import { describe, expect, it } from 'vitest';
import { DataKeyCache } from './data-key-cache.js';
import {
  DataKeyForgottenError,
  type DataKeyWrapper,
  KeyUnavailableError,
  type StoredKey,
  type SubjectKeyStore,
} from './data-keys.js';
import { SubjectDataKeys } from './subject-data-keys.js';

/** Wrapping is a tagged copy here; the calls are what the tests count. */
class CountingWrapper implements DataKeyWrapper {
  generated = 0;
  unwrapped = 0;
  failing = false;
  private next = 0;

  async generate(subjectId: string) {
    this.generated++;
    if (this.failing) throw new KeyUnavailableError('KMS is down');
    const plaintext = new Uint8Array(32).fill(++this.next);
    return { plaintext, wrapped: this.wrap(subjectId, plaintext) };
  }

  async unwrap(subjectId: string, wrapped: Uint8Array) {
    this.unwrapped++;
    if (this.failing) throw new KeyUnavailableError('KMS is down');
    const text = new TextDecoder().decode(wrapped);
    const [owner, bytes] = text.split('|');
    if (owner !== subjectId) throw new Error('wrapped for another subject');
    return Uint8Array.from(Buffer.from(bytes ?? '', 'hex'));
  }

  private wrap(subjectId: string, plaintext: Uint8Array) {
    return new TextEncoder().encode(`${subjectId}|${Buffer.from(plaintext).toString('hex')}`);
  }
}

class MapKeyStore implements SubjectKeyStore {
  readonly items = new Map<string, Uint8Array>();
  reads = 0;
  /** Runs before a put, to let a rival writer in first. */
  beforePut: (() => Promise<void>) | undefined;

  async get(subjectId: string) {
    this.reads++;
    return this.items.get(subjectId);
  }
  async putIfAbsent(subjectId: string, wrapped: Uint8Array): Promise<StoredKey> {
    await this.beforePut?.();
    const existing = this.items.get(subjectId);
    if (existing) return { wrapped: existing, created: false };
    this.items.set(subjectId, wrapped);
    return { wrapped, created: true };
  }
  async delete(subjectId: string) {
    return this.items.delete(subjectId);
  }
}

const setup = (cache = new DataKeyCache({ maxEntries: 100, maxAgeMs: 60_000 })) => {
  const wrapper = new CountingWrapper();
  const store = new MapKeyStore();
  return { wrapper, store, cache, keys: new SubjectDataKeys({ wrapper, store, cache }) };
};

describe('SubjectDataKeys', () => {
  it('creates a key once, then serves it warm with no store read and no unwrap', async () => {
    const { wrapper, store, keys } = setup();
    const first = await keys.getOrCreate('c-1');
    expect(first).toHaveLength(32);
    expect(store.items.has('c-1')).toBe(true);
    const readsAfterCreate = store.reads;
    expect(await keys.get('c-1')).toEqual(first);
    expect(await keys.getOrCreate('c-1')).toEqual(first);
    expect({ generated: wrapper.generated, unwrapped: wrapper.unwrapped }).toEqual({
      generated: 1,
      unwrapped: 0,
    });
    expect(store.reads).toBe(readsAfterCreate);
  });

  it('unwraps a stored key once when cold, then serves it from the cache', async () => {
    const writer = setup();
    const created = await writer.keys.getOrCreate('c-1');
    const reader = setup();
    for (const [id, wrapped] of writer.store.items) reader.store.items.set(id, wrapped);
    expect(await reader.keys.get('c-1')).toEqual(created);
    expect(await reader.keys.get('c-1')).toEqual(created);
    expect(reader.wrapper.unwrapped).toBe(1);
    expect(reader.wrapper.generated).toBe(0);
  });

  it('shares one lookup between concurrent cold requests', async () => {
    const { wrapper, keys } = setup();
    const results = await Promise.all([1, 2, 3].map(() => keys.getOrCreate('c-1')));
    expect(new Set(results.map((k) => Buffer.from(k).toString('hex'))).size).toBe(1);
    expect(wrapper.generated).toBe(1);
  });

  it('converges on the first stored key when a rival process created one meanwhile', async () => {
    const { wrapper, store, keys } = setup();
    const rival = setup();
    store.beforePut = async () => {
      store.beforePut = undefined;
      // The rival's key lands between this writer's read and its put.
      const rivalKey = await rival.keys.getOrCreate('c-1');
      const wrapped = rival.store.items.get('c-1');
      if (wrapped) store.items.set('c-1', wrapped);
      expect(rivalKey).toHaveLength(32);
    };
    const mine = await keys.getOrCreate('c-1');
    expect(mine).toEqual(await rival.keys.get('c-1'));
    expect(wrapper.generated).toBe(1);
    expect(wrapper.unwrapped).toBe(1);
  });

  it('refuses a forgotten subject with DataKeyForgottenError, warm or cold', async () => {
    const { keys } = setup();
    await keys.getOrCreate('c-1');
    expect(await keys.forget('c-1')).toBe(true);
    const error = await keys.get('c-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataKeyForgottenError);
    expect(error).toMatchObject({
      subjectId: 'c-1',
      kind: 'not_found',
      code: 'DATA_KEY_FORGOTTEN',
    });
    expect(await keys.forget('c-1')).toBe(false);
    await expect(setup().keys.get('never-seen')).rejects.toBeInstanceOf(DataKeyForgottenError);
  });

  it('does not cache a key whose lookup was under way when the subject was forgotten', async () => {
    const { store, keys, cache } = setup();
    await keys.getOrCreate('c-1');
    cache.clear();
    const lookup = keys.get('c-1');
    await keys.forget('c-1');
    await lookup.catch(() => undefined);
    expect(cache.get('c-1')).toBeUndefined();
    expect(store.items.has('c-1')).toBe(false);
    await expect(keys.get('c-1')).rejects.toBeInstanceOf(DataKeyForgottenError);
  });

  it('passes KeyUnavailableError on and caches nothing, so the next call tries again', async () => {
    const { wrapper, keys, cache } = setup();
    wrapper.failing = true;
    await expect(keys.getOrCreate('c-1')).rejects.toBeInstanceOf(KeyUnavailableError);
    expect(cache.size).toBe(0);
    wrapper.failing = false;
    expect(await keys.getOrCreate('c-1')).toHaveLength(32);
  });

  it('unwraps again once the cached key is older than the maximum age', async () => {
    let now = 0;
    const cache = new DataKeyCache({ maxEntries: 10, maxAgeMs: 1_000, now: () => now });
    const { wrapper, keys } = setup(cache);
    const created = await keys.getOrCreate('c-1');
    now = 1_000;
    expect(await keys.get('c-1')).toEqual(created);
    expect(wrapper.unwrapped).toBe(1);
  });
});
