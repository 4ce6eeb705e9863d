import type { DataKey } from './data-keys.js';

/**
 * The middle of the key hierarchy: KMS protects branch keys, branch keys wrap the subjects'
 * data keys. A branch key has versions; one is active (new data keys are wrapped under it),
 * and every older one stays readable, so a rotation rewrites no data key.
 */

/** One version of a branch key as stored: its material exists only wrapped by KMS. */
export interface StoredBranchKeyVersion {
  branchKeyId: string;
  version: string;
  wrapped: Uint8Array;
}

/** A branch key version's plaintext material, held in memory only. */
export interface BranchKeyMaterials {
  branchKeyId: string;
  version: string;
  key: Uint8Array;
}

/** Where branch key versions live, and which one is active. */
export interface BranchKeyStore {
  getActive(branchKeyId: string): Promise<StoredBranchKeyVersion | undefined>;
  getVersion(branchKeyId: string, version: string): Promise<StoredBranchKeyVersion | undefined>;
  /**
   * Stores `next` and makes it the active version, provided the active version is still
   * `previous` (none, when `undefined`); `false` when another writer activated one first.
   */
  activate(next: StoredBranchKeyVersion, previous: string | undefined): Promise<boolean>;
}

/** Makes and unwraps branch key material under the branch key's own context (KMS). */
export interface BranchKeyProtector {
  generate(branchKeyId: string, version: string): Promise<DataKey>;
  unwrap(branchKeyId: string, version: string, wrapped: Uint8Array): Promise<Uint8Array>;
}

/** A version that the store does not hold: deleted, or never written. */
export class BranchKeyVersionNotFoundError extends Error {
  constructor(
    readonly branchKeyId: string,
    readonly version: string,
  ) {
    super(`Branch key ${branchKeyId} has no version ${version}`);
    this.name = 'BranchKeyVersionNotFoundError';
  }
}

export interface BranchKeysOptions {
  store: BranchKeyStore;
  protector: BranchKeyProtector;
  branchKeyId: string;
  /**
   * How long unwrapped materials, and which version is active, are kept: a process picks up
   * a rotation within this, and makes one KMS call per version per this much time.
   */
  ttlMs: number;
  /** A new version's id (a UUID in production). */
  newVersion: () => string;
  /** Milliseconds since an epoch, as `Date.now`. */
  now?: () => number;
}

interface Cached<T> {
  value: Promise<T>;
  loadedAt: number;
}

/**
 * One branch key's materials for this process, cached with a time to live, with concurrent
 * cold lookups sharing one load. A failed load is not kept: the next call tries again.
 * The first process to need an active version while none exists creates it, and racing
 * processes converge on the one stored first.
 */
export class BranchKeys {
  readonly branchKeyId: string;
  private readonly now: () => number;
  private active: Cached<BranchKeyMaterials> | undefined;
  private readonly versions = new Map<string, Cached<BranchKeyMaterials>>();

  constructor(private readonly options: BranchKeysOptions) {
    if (!(options.ttlMs > 0))
      throw new RangeError(`ttlMs must be a positive number, not ${options.ttlMs}`);
    this.branchKeyId = options.branchKeyId;
    this.now = options.now ?? Date.now;
  }

  /** The active version's materials, to wrap new data keys with. */
  activeMaterials(): Promise<BranchKeyMaterials> {
    if (this.active && this.fresh(this.active)) return this.active.value;
    const value = this.loadActive();
    const entry = { value, loadedAt: this.now() };
    this.active = entry;
    value.catch(() => {
      if (this.active === entry) this.active = undefined;
    });
    return value;
  }

  /** A version's materials, to unwrap a data key wrapped under it. */
  versionMaterials(version: string): Promise<BranchKeyMaterials> {
    const cached = this.versions.get(version);
    if (cached && this.fresh(cached)) return cached.value;
    this.dropExpired();
    const value = this.loadVersion(version);
    this.remember(version, value);
    return value;
  }

  /**
   * Makes a new version active. Older versions stay readable; data keys wrapped under them
   * are not rewritten. This process uses the new version at once, others within the TTL.
   */
  async rotate(): Promise<{ previous: string | undefined; active: string }> {
    const current = await this.options.store.getActive(this.branchKeyId);
    const created = await this.create(current?.version);
    if (!created) throw new Error(`Branch key ${this.branchKeyId} was rotated concurrently`);
    return { previous: current?.version, active: created.version };
  }

  /** Forgets every cached material (tests, benchmarks: a process restart). */
  clear(): void {
    this.active = undefined;
    this.versions.clear();
  }

  private async loadActive(): Promise<BranchKeyMaterials> {
    const stored = await this.options.store.getActive(this.branchKeyId);
    if (stored) return this.cachedOrUnwrap(stored);
    const created = await this.create(undefined);
    if (created) return created;
    // Another process stored the first version meanwhile: use theirs.
    const winner = await this.options.store.getActive(this.branchKeyId);
    if (!winner) throw new Error(`Branch key ${this.branchKeyId} has no active version`);
    return this.cachedOrUnwrap(winner);
  }

  /** A version this process already unwrapped (to read keys under it) costs no KMS call. */
  private cachedOrUnwrap(stored: StoredBranchKeyVersion): Promise<BranchKeyMaterials> {
    const cached = this.versions.get(stored.version);
    return cached && this.fresh(cached) ? cached.value : this.unwrap(stored);
  }

  private async loadVersion(version: string): Promise<BranchKeyMaterials> {
    const stored = await this.options.store.getVersion(this.branchKeyId, version);
    if (!stored) throw new BranchKeyVersionNotFoundError(this.branchKeyId, version);
    return this.unwrap(stored);
  }

  /** A new version, activated if the active one is still `previous`; else `undefined`. */
  private async create(previous: string | undefined): Promise<BranchKeyMaterials | undefined> {
    const version = this.options.newVersion();
    const fresh = await this.options.protector.generate(this.branchKeyId, version);
    const stored = { branchKeyId: this.branchKeyId, version, wrapped: fresh.wrapped };
    if (!(await this.options.store.activate(stored, previous))) return undefined;
    const materials = { branchKeyId: this.branchKeyId, version, key: fresh.plaintext };
    this.active = { value: Promise.resolve(materials), loadedAt: this.now() };
    this.remember(version, Promise.resolve(materials));
    return materials;
  }

  private async unwrap(stored: StoredBranchKeyVersion): Promise<BranchKeyMaterials> {
    const key = await this.options.protector.unwrap(
      stored.branchKeyId,
      stored.version,
      stored.wrapped,
    );
    const materials = { branchKeyId: stored.branchKeyId, version: stored.version, key };
    // The active version's materials serve reads of that version too.
    const known = this.versions.get(stored.version);
    if (!known || !this.fresh(known)) this.remember(stored.version, Promise.resolve(materials));
    return materials;
  }

  private remember(version: string, value: Promise<BranchKeyMaterials>): void {
    const entry = { value, loadedAt: this.now() };
    this.versions.set(version, entry);
    value.catch(() => {
      if (this.versions.get(version) === entry) this.versions.delete(version);
    });
  }

  private fresh(entry: Cached<unknown>): boolean {
    return this.now() - entry.loadedAt < this.options.ttlMs;
  }

  /** Versions no longer used leave with their TTL, so the map holds only recent ones. */
  private dropExpired(): void {
    for (const [version, entry] of this.versions) {
      if (!this.fresh(entry)) this.versions.delete(version);
    }
  }
}
