import { describe, expect, it } from 'vitest';
import {
  type BranchKeyProtector,
  type BranchKeyStore,
  BranchKeys,
  BranchKeyVersionNotFoundError,
  type StoredBranchKeyVersion,
} from './branch-keys.js';
import { type DataKey, KeyUnavailableError } from './data-keys.js';

/** The store's contract in memory: versions, and one active item moved only from `previous`. */
class MapBranchKeyStore implements BranchKeyStore {
  readonly versions = new Map<string, StoredBranchKeyVersion>();
  active: StoredBranchKeyVersion | undefined;
  async getActive() {
    return this.active;
  }
  async getVersion(_id: string, version: string) {
    return this.versions.get(version);
  }
  async activate(next: StoredBranchKeyVersion, previous: string | undefined) {
    if (this.active?.version !== previous || this.versions.has(next.version)) return false;
    this.versions.set(next.version, next);
    this.active = next;
    return true;
  }
}

/** "KMS": the wrapped form is the plaintext reversed, tagged with its version; calls counted. */
class CountingProtector implements BranchKeyProtector {
  generated = 0;
  unwrapped = 0;
  down = false;
  async generate(_id: string, version: string): Promise<DataKey> {
    if (this.down) throw new KeyUnavailableError('KMS GenerateDataKey failed: ThrottlingException');
    this.generated++;
    const plaintext = new TextEncoder().encode(`key-of-${version}`);
    return { plaintext, wrapped: plaintext.slice().reverse() };
  }
  async unwrap(_id: string, _version: string, wrapped: Uint8Array) {
    if (this.down) throw new KeyUnavailableError('KMS Decrypt failed: ThrottlingException');
    this.unwrapped++;
    return wrapped.slice().reverse();
  }
}

const setup = (store = new MapBranchKeyStore(), protector = new CountingProtector()) => {
  let now = 0;
  let next = 0;
  const process = () =>
    new BranchKeys({
      store,
      protector,
      branchKeyId: 'subject-data-keys',
      ttlMs: 1_000,
      newVersion: () => `v${++next}`,
      now: () => now,
    });
  return { store, protector, process, advance: (ms: number) => (now += ms) };
};
const text = (key: Uint8Array) => new TextDecoder().decode(key);

describe('BranchKeys', () => {
  it('creates the first version when none exists; racing processes converge on one', async () => {
    const { store, protector, process } = setup();
    const [a, b] = await Promise.all([process().activeMaterials(), process().activeMaterials()]);
    expect(store.versions.size).toBe(1);
    expect(a.version).toBe(store.active?.version);
    expect(b).toEqual(a);
    // The loser generated a version it could not store, and unwrapped the winner's.
    expect(protector.generated).toBe(2);
  });

  it('calls KMS once per version per TTL, however many keys it serves', async () => {
    const { protector, process, advance } = setup();
    await process().activeMaterials();
    const keys = process();
    const unwrappedBefore = protector.unwrapped;
    for (let i = 0; i < 100; i++) await keys.activeMaterials();
    const active = await keys.activeMaterials();
    for (let i = 0; i < 100; i++) await keys.versionMaterials(active.version);
    expect(protector.unwrapped - unwrappedBefore).toBe(1);
    advance(1_000);
    await keys.activeMaterials();
    await keys.versionMaterials(active.version);
    expect(protector.unwrapped - unwrappedBefore).toBe(2);
  });

  it('one KMS call for a version, whether first read as the active one or to unwrap a key', async () => {
    const { protector, process } = setup();
    const { version } = await process().activeMaterials();
    const readerFirst = process();
    const before = protector.unwrapped;
    await readerFirst.versionMaterials(version);
    await readerFirst.activeMaterials();
    const activeFirst = process();
    await activeFirst.activeMaterials();
    await activeFirst.versionMaterials(version);
    expect(protector.unwrapped - before).toBe(2);
  });

  it('rotation: a new version becomes active, older ones stay readable; other processes switch within the TTL', async () => {
    const { store, process, advance } = setup();
    const other = process();
    const first = await other.activeMaterials();

    const rotated = await process().rotate();
    expect(rotated).toEqual({ previous: first.version, active: 'v2' });
    expect(store.active?.version).toBe('v2');
    expect([...store.versions.keys()]).toEqual([first.version, 'v2']);

    // Still the cached version until its TTL runs out, then the new one.
    expect((await other.activeMaterials()).version).toBe(first.version);
    advance(1_000);
    expect((await other.activeMaterials()).version).toBe('v2');
    expect(text((await other.versionMaterials(first.version)).key)).toBe(`key-of-${first.version}`);
    expect(text((await other.versionMaterials('v2')).key)).toBe('key-of-v2');
  });

  it('a rotation that races another is refused, and the store keeps the winner', async () => {
    const { store, process } = setup();
    await process().activeMaterials();
    const slow = process();
    const original = store.getActive.bind(store);
    const seenBeforeRace = await original();
    store.getActive = async () => seenBeforeRace;
    await expect(Promise.all([slow.rotate(), slow.rotate()])).rejects.toThrow(/concurrently/);
    store.getActive = original;
    expect(store.versions.size).toBe(2);
  });

  it('a cold process with KMS down fails with KeyUnavailableError, and recovers without restarting', async () => {
    const { protector, process } = setup();
    await process().activeMaterials();
    const cold = process();
    protector.down = true;
    await expect(cold.activeMaterials()).rejects.toBeInstanceOf(KeyUnavailableError);
    protector.down = false;
    expect((await cold.activeMaterials()).version).toBe('v1');
  });

  it('a version the store does not hold is an error naming it', async () => {
    const { process } = setup();
    await expect(process().versionMaterials('nope')).rejects.toBeInstanceOf(
      BranchKeyVersionNotFoundError,
    );
  });
});
