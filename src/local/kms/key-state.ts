import type { KeyRing, MasterKey } from './key-ring.js';
import { KmsError } from './kms-errors.js';

/** KMS's answer to a key in a state the operation cannot use, named by the key's ARN. */
export const invalidState = (ring: KeyRing, key: MasterKey): KmsError =>
  key.keyState === 'Disabled'
    ? new KmsError('DisabledException', `${ring.keyArn(key.keyId)} is disabled.`)
    : new KmsError('KMSInvalidStateException', `${ring.keyArn(key.keyId)} is pending deletion.`);

/**
 * Cryptographic operations need an `Enabled` key: a disabled key answers `DisabledException`,
 * a key pending deletion `KMSInvalidStateException`, as KMS does.
 */
export const requireEnabled = (ring: KeyRing, key: MasterKey): MasterKey => {
  if (key.keyState !== 'Enabled') throw invalidState(ring, key);
  return key;
};

/** Management operations that KMS refuses only once a key is scheduled for deletion. */
export const requireNotPendingDeletion = (ring: KeyRing, key: MasterKey): MasterKey => {
  if (key.keyState === 'PendingDeletion') throw invalidState(ring, key);
  return key;
};

/**
 * `DryRun: true` checks the whole request, then answers this instead of carrying it out, as
 * KMS does (HTTP 412): no key material, no plaintext.
 */
export const answerDryRun = (body: Record<string, unknown>): void => {
  if (body.DryRun === undefined || body.DryRun === null || body.DryRun === false) return;
  if (body.DryRun !== true)
    throw new KmsError('SerializationException', 'DryRun must be a boolean.');
  throw new KmsError(
    'DryRunOperationException',
    'The request would have succeeded, but the DryRun option is set.',
    412,
  );
};
