import {
  type Alias,
  KEY_SPECS,
  type KeyRing,
  type KeySpec,
  keyUsageOf,
  type MasterKey,
  macAlgorithmOf,
} from './key-ring.js';
import { parsePolicy, parseTags } from './key-tags-and-policy.js';
import { KmsError } from './kms-errors.js';
import type { Operation } from './operation-context.js';
import { page } from './paging.js';
import { epochSeconds, optionalString, requiredString } from './request-fields.js';

export const keyMetadata = (ring: KeyRing, key: MasterKey) => {
  const mac = macAlgorithmOf(key.keySpec);
  return {
    AWSAccountId: ring.accountId,
    KeyId: key.keyId,
    Arn: ring.keyArn(key.keyId),
    CreationDate: epochSeconds(key.creationDate),
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: keyUsageOf(key.keySpec),
    KeyState: key.keyState,
    ...(key.deletionDate === undefined
      ? {}
      : {
          DeletionDate: epochSeconds(key.deletionDate),
          PendingDeletionWindowInDays: key.pendingWindowInDays,
        }),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    MultiRegion: false,
    ...(mac === undefined
      ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }
      : { MacAlgorithms: [mac] }),
  };
};

export const describeKey: Operation = async (body, { ring }) => ({
  KeyMetadata: keyMetadata(ring, ring.resolve(requiredString(body, 'KeyId'))),
});

export const listKeys: Operation = async (body, { ring }) => {
  const { items, truncated, ...rest } = page(ring.keys(), body, 100);
  return {
    Keys: items.map((key) => ({ KeyId: key.keyId, KeyArn: ring.keyArn(key.keyId) })),
    Truncated: truncated,
    ...rest,
  };
};

const aliasEntry = (ring: KeyRing, alias: Alias) => ({
  AliasName: alias.aliasName,
  AliasArn: ring.aliasArn(alias.aliasName),
  TargetKeyId: alias.targetKeyId,
  CreationDate: epochSeconds(alias.creationDate),
  LastUpdatedDate: epochSeconds(alias.creationDate),
});

export const listAliases: Operation = async (body, { ring }) => {
  const reference = optionalString(body, 'KeyId');
  const keyId =
    reference === undefined ? undefined : ring.resolve(reference, { allowAlias: false }).keyId;
  const aliases = ring.aliases().filter((a) => keyId === undefined || a.targetKeyId === keyId);
  const { items, truncated, ...rest } = page(aliases, body, 50);
  return { Aliases: items.map((a) => aliasEntry(ring, a)), Truncated: truncated, ...rest };
};

const isKeySpec = (value: string): value is KeySpec =>
  (KEY_SPECS as readonly string[]).includes(value);

export const createKey: Operation = async (body, { ring, persist, now }) => {
  const spec =
    optionalString(body, 'KeySpec') ??
    optionalString(body, 'CustomerMasterKeySpec') ??
    'SYMMETRIC_DEFAULT';
  if (!isKeySpec(spec))
    throw new KmsError(
      'UnsupportedOperationException',
      `Key spec ${spec} is not supported by this stand-in (only ${KEY_SPECS.join(', ')}).`,
    );
  const usage = optionalString(body, 'KeyUsage');
  if (usage !== undefined && usage !== keyUsageOf(spec))
    throw new KmsError(
      'ValidationException',
      `KeyUsage ${usage} is not compatible with KeySpec ${spec}.`,
    );
  if (spec !== 'SYMMETRIC_DEFAULT' && usage === undefined)
    throw new KmsError(
      'ValidationException',
      `KeySpec ${spec} requires KeyUsage GENERATE_VERIFY_MAC.`,
    );
  const origin = optionalString(body, 'Origin');
  if ((origin !== undefined && origin !== 'AWS_KMS') || body.MultiRegion === true)
    throw new KmsError(
      'UnsupportedOperationException',
      'Only single-region keys with origin AWS_KMS are supported by this stand-in.',
    );
  const key = ring.createKey(spec, optionalString(body, 'Description') ?? '', now(), {
    tags: parseTags(body.Tags),
    policy: parsePolicy(body.Policy),
  });
  await persist();
  return { KeyMetadata: keyMetadata(ring, key) };
};

export const createAlias: Operation = async (body, { ring, persist, now }) => {
  ring.createAlias(requiredString(body, 'AliasName'), requiredString(body, 'TargetKeyId'), now());
  await persist();
  return {};
};
