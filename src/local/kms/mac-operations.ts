import { createHmac, timingSafeEqual } from 'node:crypto';
import { type KeyRing, type MasterKey, macAlgorithmOf } from './key-ring.js';
import { answerDryRun, requireEnabled } from './key-state.js';
import { KmsError } from './kms-errors.js';
import type { Operation } from './operation-context.js';
import { blob, type RequestBody, requiredBlob, requiredString } from './request-fields.js';

const NODE_DIGEST: Record<string, string> = {
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
};

const macInput = (body: RequestBody, ring: KeyRing, operation: string) => {
  const key = ring.resolve(requiredString(body, 'KeyId'));
  const message = requiredBlob(body, 'Message', { min: 1, max: 4096 });
  const algorithm = requiredString(body, 'MacAlgorithm');
  const supported = macAlgorithmOf(key.keySpec);
  if (supported === undefined)
    throw new KmsError(
      'InvalidKeyUsageException',
      `${ring.keyArn(key.keyId)} key usage is ENCRYPT_DECRYPT which is not valid for ${operation}.`,
    );
  if (algorithm !== supported)
    throw new KmsError(
      'InvalidKeyUsageException',
      `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`,
    );
  return { key: requireEnabled(ring, key), message, algorithm };
};

const mac = (key: MasterKey, algorithm: string, message: Buffer): Buffer =>
  createHmac(NODE_DIGEST[algorithm] ?? 'sha256', key.material)
    .update(message)
    .digest();

export const generateMac: Operation = async (body, { ring }) => {
  const { key, message, algorithm } = macInput(body, ring, 'GenerateMac');
  answerDryRun(body);
  return {
    Mac: blob(mac(key, algorithm, message)),
    MacAlgorithm: algorithm,
    KeyId: ring.keyArn(key.keyId),
  };
};

/** A MAC that does not verify is an error in KMS (`KMSInvalidMacException`), never `false`. */
export const verifyMac: Operation = async (body, { ring }) => {
  const { key, message, algorithm } = macInput(body, ring, 'VerifyMac');
  const given = requiredBlob(body, 'Mac', { min: 1, max: 6144 });
  const expected = mac(key, algorithm, message);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new KmsError('KMSInvalidMacException', 'The MAC does not match the message.');
  answerDryRun(body);
  return { KeyId: ring.keyArn(key.keyId), MacValid: true, MacAlgorithm: algorithm };
};
