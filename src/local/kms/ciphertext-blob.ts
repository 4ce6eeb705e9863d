import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonicalEncryptionContext, type EncryptionContext } from './encryption-context.js';
import { KmsError } from './kms-errors.js';

/**
 * The stand-in's ciphertext blob, which names its key as a KMS blob does (so Decrypt needs
 * no KeyId):
 *
 *   version (1 byte, 0x01) | key id (16 bytes, the UUID) | IV (12) | GCM tag (16) | ciphertext
 *
 * The version and key id and the canonical encryption context are the AES-256-GCM AAD, so
 * a changed context, key id or byte fails authentication.
 */
const VERSION = 0x01;
const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const MIN_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;

const uuidToBytes = (keyId: string): Buffer => Buffer.from(keyId.replaceAll('-', ''), 'hex');
const bytesToUuid = (bytes: Buffer): string => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const aad = (header: Buffer, context: EncryptionContext) =>
  Buffer.concat([header, canonicalEncryptionContext(context)]);

export const sealBlob = (
  keyId: string,
  material: Buffer,
  plaintext: Uint8Array,
  context: EncryptionContext,
): Buffer => {
  const header = Buffer.concat([Buffer.from([VERSION]), uuidToBytes(keyId)]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(aad(header, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
};

const invalid = () =>
  new KmsError('InvalidCiphertextException', 'The ciphertext is invalid or was tampered with.');

/** The key a blob names, before any authentication; `undefined` when it is no blob of ours. */
export const blobKeyId = (blob: Buffer): string | undefined =>
  blob.length >= MIN_BYTES && blob[0] === VERSION
    ? bytesToUuid(blob.subarray(1, HEADER_BYTES))
    : undefined;

export const openBlob = (material: Buffer, blob: Buffer, context: EncryptionContext): Buffer => {
  if (blobKeyId(blob) === undefined) throw invalid();
  const header = blob.subarray(0, HEADER_BYTES);
  const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = blob.subarray(HEADER_BYTES + IV_BYTES, MIN_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, iv);
    decipher.setAAD(aad(header, context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(MIN_BYTES)), decipher.final()]);
  } catch {
    throw invalid();
  }
};
