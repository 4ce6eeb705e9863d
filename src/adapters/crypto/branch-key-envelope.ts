import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { BranchKeyMaterials } from '../../core/branch-keys.js';
import { MalformedEncryptedValueError, WrappedKeyDecryptionError } from './crypto-errors.js';

/**
 * A subject's data key wrapped by a branch key version, after the hierarchical keyring of
 * AWS's Material Providers Library: a wrapping key derived per data key (HKDF-SHA-256 of the
 * branch key, a random 16-byte salt, this format's label), then AES-256-GCM with a random
 * 12-byte IV, and as AAD the label, the branch key id and version and the subject id. A key
 * copied to another subject's item, or its header edited to name another version, fails
 * authentication.
 *
 *   0x00 "BKW" | format (1) | id length (1) | branch key id | version length (1) | version |
 *   salt (16) | IV (12) | tag (16) | ciphertext
 *
 * KMS ciphertext blobs begin with their format byte 0x01, as the local stand-in's do, so the
 * leading 0x00 tells this format from a key wrapped directly by KMS (today's layout).
 */
const MAGIC = Buffer.from([0x00, 0x42, 0x4b, 0x57]);
const FORMAT = 1;
const LABEL = 'subject-data-key-v1';
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface BranchWrappedKey {
  branchKeyId: string;
  version: string;
}

export const isBranchWrapped = (wrapped: Uint8Array): boolean =>
  wrapped.length > MAGIC.length && Buffer.from(wrapped.subarray(0, MAGIC.length)).equals(MAGIC);

const additionalData = (header: BranchWrappedKey, subjectId: string): Buffer =>
  Buffer.from(JSON.stringify([LABEL, header.branchKeyId, header.version, subjectId]), 'utf8');

const wrappingKey = (branchKey: Uint8Array, salt: Uint8Array): Buffer =>
  Buffer.from(hkdfSync('sha256', branchKey, salt, LABEL, KEY_BYTES));

const shortString = (value: string, field: string): Buffer => {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length === 0 || bytes.length > 255)
    throw new RangeError(`A ${field} has 1 to 255 bytes, not ${bytes.length}`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
};

/** Wraps `dataKey` for `subjectId` under the branch key version `materials`. */
export const wrapWithBranchKey = (
  materials: BranchKeyMaterials,
  subjectId: string,
  dataKey: Uint8Array,
): Uint8Array => {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey(materials.key, salt), iv);
  cipher.setAAD(additionalData(materials, subjectId));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([
    MAGIC,
    Buffer.from([FORMAT]),
    shortString(materials.branchKeyId, 'branch key id'),
    shortString(materials.version, 'branch key version'),
    salt,
    iv,
    cipher.getAuthTag(),
    body,
  ]);
};

interface Parsed extends BranchWrappedKey {
  salt: Buffer;
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

const parse = (wrapped: Uint8Array): Parsed => {
  const bytes = Buffer.from(wrapped);
  const malformed = () => new MalformedEncryptedValueError('A wrapped data key is malformed');
  if (!isBranchWrapped(bytes) || bytes[MAGIC.length] !== FORMAT) throw malformed();
  let at = MAGIC.length + 1;
  const text = () => {
    const length = bytes[at] ?? 0;
    const value = bytes.subarray(at + 1, at + 1 + length);
    if (length === 0 || value.length !== length) throw malformed();
    at += 1 + length;
    return value.toString('utf8');
  };
  const branchKeyId = text();
  const version = text();
  const take = (length: number) => {
    const value = bytes.subarray(at, at + length);
    if (value.length !== length) throw malformed();
    at += length;
    return value;
  };
  const salt = take(SALT_BYTES);
  const iv = take(IV_BYTES);
  const tag = take(TAG_BYTES);
  const body = bytes.subarray(at);
  if (body.length === 0) throw malformed();
  return { branchKeyId, version, salt, iv, tag, body };
};

/** Which branch key version wrapped this key, read before any authentication. */
export const branchKeyOf = (wrapped: Uint8Array): BranchWrappedKey => {
  const { branchKeyId, version } = parse(wrapped);
  return { branchKeyId, version };
};

/** The data key, if `wrapped` was made for `subjectId` under `materials`; else refused. */
export const unwrapWithBranchKey = (
  materials: BranchKeyMaterials,
  subjectId: string,
  wrapped: Uint8Array,
): Uint8Array => {
  const parsed = parse(wrapped);
  if (parsed.branchKeyId !== materials.branchKeyId || parsed.version !== materials.version)
    throw new WrappedKeyDecryptionError(
      `A data key wrapped by ${parsed.branchKeyId}/${parsed.version} given ${materials.branchKeyId}/${materials.version}`,
    );
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      wrappingKey(materials.key, parsed.salt),
      parsed.iv,
    );
    decipher.setAAD(additionalData(parsed, subjectId));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.body), decipher.final()]);
  } catch (error) {
    throw new WrappedKeyDecryptionError(
      `The data key of subject ${subjectId} does not unwrap with branch key ${parsed.branchKeyId}/${parsed.version}`,
      { cause: error },
    );
  }
};
