import { randomBytes } from 'node:crypto';
import { blobKeyId, openBlob, sealBlob } from './ciphertext-blob.js';
import { parseEncryptionContext } from './encryption-context.js';
import type { KeyRing, MasterKey } from './key-ring.js';
import { answerDryRun, requireEnabled } from './key-state.js';
import { KmsError, validationError } from './kms-errors.js';
import type { Operation } from './operation-context.js';
import {
  blob,
  optionalInteger,
  optionalString,
  type RequestBody,
  requiredBlob,
  requiredString,
} from './request-fields.js';

const ALGORITHM = 'SYMMETRIC_DEFAULT';

const symmetricKey = (ring: KeyRing, reference: string, operation: string): MasterKey => {
  const key = ring.resolve(reference);
  if (key.keySpec !== 'SYMMETRIC_DEFAULT')
    throw new KmsError(
      'InvalidKeyUsageException',
      `${ring.keyArn(key.keyId)} key usage is GENERATE_VERIFY_MAC which is not valid for ${operation}.`,
    );
  return requireEnabled(ring, key);
};

const checkAlgorithm = (body: RequestBody) => {
  const algorithm = optionalString(body, 'EncryptionAlgorithm');
  if (algorithm !== undefined && algorithm !== ALGORITHM)
    throw new KmsError(
      'InvalidKeyUsageException',
      `Encryption algorithm ${algorithm} is not supported by symmetric keys.`,
    );
};

/** Exactly one of `KeySpec` and `NumberOfBytes`, as KMS requires. */
const dataKeyLength = (body: RequestBody): number => {
  const spec = optionalString(body, 'KeySpec');
  const count = optionalInteger(body, 'NumberOfBytes', { min: 1, max: 1024 });
  if ((spec === undefined) === (count === undefined))
    throw new KmsError('ValidationException', 'Please specify either number of bytes or key spec.');
  if (count !== undefined) return count;
  if (spec === 'AES_256') return 32;
  if (spec === 'AES_128') return 16;
  throw validationError('keySpec', 'Member must satisfy enum value set: [AES_256, AES_128]');
};

const generate = (body: RequestBody, ring: KeyRing, operation: string) => {
  const key = symmetricKey(ring, requiredString(body, 'KeyId'), operation);
  const context = parseEncryptionContext(body.EncryptionContext);
  const length = dataKeyLength(body);
  answerDryRun(body);
  const plaintext = randomBytes(length);
  return { key, plaintext, blob: sealBlob(key.keyId, key.material, plaintext, context) };
};

export const generateDataKey: Operation = async (body, { ring }) => {
  const { key, plaintext, blob: sealed } = generate(body, ring, 'GenerateDataKey');
  return {
    CiphertextBlob: blob(sealed),
    Plaintext: blob(plaintext),
    KeyId: ring.keyArn(key.keyId),
  };
};

export const generateDataKeyWithoutPlaintext: Operation = async (body, { ring }) => {
  const { key, blob: sealed } = generate(body, ring, 'GenerateDataKeyWithoutPlaintext');
  return { CiphertextBlob: blob(sealed), KeyId: ring.keyArn(key.keyId) };
};

export const encrypt: Operation = async (body, { ring }) => {
  const key = symmetricKey(ring, requiredString(body, 'KeyId'), 'Encrypt');
  const plaintext = requiredBlob(body, 'Plaintext', { min: 1, max: 4096 });
  const context = parseEncryptionContext(body.EncryptionContext);
  checkAlgorithm(body);
  answerDryRun(body);
  return {
    CiphertextBlob: blob(sealBlob(key.keyId, key.material, plaintext, context)),
    KeyId: ring.keyArn(key.keyId),
    EncryptionAlgorithm: ALGORITHM,
  };
};

/** `KeyId` is optional, as in KMS: the blob names its key; when given, it must be that key. */
export const decrypt: Operation = async (body, { ring }) => {
  const sealed = requiredBlob(body, 'CiphertextBlob', { min: 1, max: 6144 });
  const context = parseEncryptionContext(body.EncryptionContext);
  checkAlgorithm(body);
  const reference = optionalString(body, 'KeyId');
  const named = blobKeyId(sealed);
  const key = named === undefined ? undefined : ring.byId(named);
  if (reference !== undefined) {
    const wanted = symmetricKey(ring, reference, 'Decrypt');
    if (key && wanted.keyId !== key.keyId)
      throw new KmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
  }
  if (!key)
    throw new KmsError(
      'InvalidCiphertextException',
      'The ciphertext is invalid or was tampered with.',
    );
  requireEnabled(ring, key);
  const plaintext = openBlob(key.material, sealed, context);
  answerDryRun(body);
  return {
    KeyId: ring.keyArn(key.keyId),
    Plaintext: blob(plaintext),
    EncryptionAlgorithm: ALGORITHM,
  };
};
