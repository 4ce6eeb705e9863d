import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataKey } from '../../core/data-keys.js';
import { rethrowKmsUnavailable } from './kms-errors.js';

/** An answer without the blobs KMS always sends: a broken endpoint, not a transient fault. */
export class KmsResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KmsResponseError';
  }
}

/** A 256-bit data key bound to `context`: its plaintext, and its blob for storage. */
export const generateDataKey = async (
  client: KMSClient,
  keyId: string,
  context: Record<string, string>,
): Promise<DataKey> => {
  try {
    const { Plaintext, CiphertextBlob } = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    if (!Plaintext || !CiphertextBlob)
      throw new KmsResponseError('GenerateDataKey answered without Plaintext or CiphertextBlob');
    return { plaintext: Plaintext, wrapped: CiphertextBlob };
  } catch (error) {
    return rethrowKmsUnavailable(error, 'GenerateDataKey');
  }
};

/**
 * The plaintext of a blob made under `context`. No `KeyId`: the blob names its key, so
 * blobs made before the alias moved to a newer key still decrypt; the context binds the
 * blob to its owner.
 */
export const decryptDataKey = async (
  client: KMSClient,
  wrapped: Uint8Array,
  context: Record<string, string>,
): Promise<Uint8Array> => {
  try {
    const { Plaintext } = await client.send(
      new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: context }),
    );
    if (!Plaintext) throw new KmsResponseError('Decrypt answered without Plaintext');
    return Plaintext;
  } catch (error) {
    return rethrowKmsUnavailable(error, 'Decrypt');
  }
};
