import { randomBytes, randomUUID } from 'node:crypto';
import { KmsError } from './kms-errors.js';

/** The key specs this stand-in can create: the symmetric default and the HMAC family. */
export const KEY_SPECS = [
  'SYMMETRIC_DEFAULT',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export type KeyUsage = 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC';

/** The states of a key this stand-in can be in (no imports, no multi-Region replicas). */
export const KEY_STATES = ['Enabled', 'Disabled', 'PendingDeletion'] as const;
export type KeyState = (typeof KEY_STATES)[number];

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface MasterKey {
  keyId: string;
  keySpec: KeySpec;
  description: string;
  /** ISO 8601. */
  creationDate: string;
  /** Never leaves the stand-in, never logged. */
  material: Buffer;
  keyState: KeyState;
  /** ISO 8601; set while `PendingDeletion`. */
  deletionDate?: string;
  pendingWindowInDays?: number;
  /** Set while automatic rotation is on: its period, and when it was turned on (ISO 8601). */
  rotation?: { periodInDays: number; since: string };
  tags: Tag[];
  /** The key policy as given to `CreateKey`; absent means KMS's default policy. */
  policy?: string;
}

export interface Alias {
  aliasName: string;
  targetKeyId: string;
  creationDate: string;
}

export interface KeyRingState {
  keys: MasterKey[];
  aliases: Alias[];
}

/** Key material lengths as KMS documents them (HMAC keys have their digest's length). */
const MATERIAL_BYTES: Record<KeySpec, number> = {
  SYMMETRIC_DEFAULT: 32,
  HMAC_224: 28,
  HMAC_256: 32,
  HMAC_384: 48,
  HMAC_512: 64,
};

export const keyUsageOf = (spec: KeySpec): KeyUsage =>
  spec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : 'GENERATE_VERIFY_MAC';

/** `HMAC_256` keys compute `HMAC_SHA_256`, and so on; symmetric keys compute none. */
export const macAlgorithmOf = (spec: KeySpec): string | undefined =>
  spec === 'SYMMETRIC_DEFAULT' ? undefined : spec.replace('HMAC_', 'HMAC_SHA_');

const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

/**
 * The stand-in's keys and aliases, addressed the ways KMS accepts: key id, key ARN, alias
 * name, alias ARN. ARNs name this stand-in's region and account; others are not found.
 */
export class KeyRing {
  private readonly keysById = new Map<string, MasterKey>();
  private readonly aliasesByName = new Map<string, Alias>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    state: KeyRingState = { keys: [], aliases: [] },
  ) {
    for (const key of state.keys) this.keysById.set(key.keyId, key);
    for (const alias of state.aliases) this.aliasesByName.set(alias.aliasName, alias);
  }

  keyArn(keyId: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}`;
  }

  aliasArn(aliasName: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${aliasName}`;
  }

  keys(): MasterKey[] {
    return [...this.keysById.values()];
  }

  aliases(): Alias[] {
    return [...this.aliasesByName.values()].sort((a, b) =>
      a.aliasName < b.aliasName ? -1 : a.aliasName > b.aliasName ? 1 : 0,
    );
  }

  state(): KeyRingState {
    return { keys: this.keys(), aliases: this.aliases() };
  }

  byId(keyId: string): MasterKey | undefined {
    return this.keysById.get(keyId);
  }

  alias(aliasName: string): Alias | undefined {
    return this.aliasesByName.get(aliasName);
  }

  /** The key a `KeyId` parameter names; `allowAlias: false` where KMS wants a key itself. */
  resolve(reference: string, options: { allowAlias?: boolean } = {}): MasterKey {
    const allowAlias = options.allowAlias ?? true;
    const arnPrefix = `arn:aws:kms:${this.region}:${this.accountId}:`;
    let local = reference;
    if (reference.startsWith('arn:')) {
      if (!reference.startsWith(arnPrefix)) throw this.notFound(reference);
      local = reference.slice(arnPrefix.length);
      if (local.startsWith('key/')) local = local.slice('key/'.length);
      else if (!local.startsWith('alias/')) throw this.notFound(reference);
    }
    if (local.startsWith('alias/')) {
      if (!allowAlias)
        throw new KmsError(
          'ValidationException',
          `${reference} is an alias; give a key id or ARN.`,
        );
      const alias = this.aliasesByName.get(local);
      const key = alias && this.keysById.get(alias.targetKeyId);
      if (!key)
        throw new KmsError('NotFoundException', `Alias ${this.aliasArn(local)} is not found.`);
      return key;
    }
    const key = this.keysById.get(local);
    if (!key) throw this.notFound(reference);
    return key;
  }

  createKey(
    keySpec: KeySpec,
    description: string,
    now: Date,
    extra: { tags?: Tag[]; policy?: string } = {},
  ): MasterKey {
    const key: MasterKey = {
      keyId: randomUUID(),
      keySpec,
      description,
      creationDate: now.toISOString(),
      material: randomBytes(MATERIAL_BYTES[keySpec]),
      keyState: 'Enabled',
      tags: extra.tags ?? [],
      ...(extra.policy === undefined ? {} : { policy: extra.policy }),
    };
    this.keysById.set(key.keyId, key);
    return key;
  }

  /**
   * Deletes the keys whose waiting period is over, with their aliases, as KMS does when the
   * deletion date passes; `true` when any was deleted (the ring then needs saving).
   */
  deleteDueKeys(now: Date): boolean {
    let deleted = false;
    for (const key of this.keysById.values()) {
      if (key.keyState !== 'PendingDeletion' || key.deletionDate === undefined) continue;
      if (Date.parse(key.deletionDate) > now.getTime()) continue;
      this.keysById.delete(key.keyId);
      for (const alias of this.aliasesByName.values())
        if (alias.targetKeyId === key.keyId) this.aliasesByName.delete(alias.aliasName);
      deleted = true;
    }
    return deleted;
  }

  createAlias(aliasName: string, targetKeyId: string, now: Date): Alias {
    if (!ALIAS_NAME.test(aliasName) || aliasName.startsWith('alias/aws/'))
      throw new KmsError(
        'InvalidAliasNameException',
        `Alias name ${aliasName} must start with alias/ followed by letters, digits, /, _ or - and must not begin with alias/aws/.`,
      );
    if (this.aliasesByName.has(aliasName))
      throw new KmsError(
        'AlreadyExistsException',
        `An alias with the name ${this.aliasArn(aliasName)} already exists`,
      );
    const key = this.resolve(targetKeyId, { allowAlias: false });
    const alias = { aliasName, targetKeyId: key.keyId, creationDate: now.toISOString() };
    this.aliasesByName.set(aliasName, alias);
    return alias;
  }

  private notFound(reference: string): KmsError {
    const arn = reference.startsWith('arn:') ? reference : this.keyArn(reference);
    return new KmsError('NotFoundException', `Key '${arn}' does not exist`);
  }
}
