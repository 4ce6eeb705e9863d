import type { KMSClient } from '@aws-sdk/client-kms';
import type { BranchKeyProtector } from '../../core/branch-keys.js';
import type { DataKey } from '../../core/data-keys.js';
import { decryptDataKey, generateDataKey } from './kms-data-key-calls.js';

export interface KMSBranchKeyProtectorOptions {
  client: KMSClient;
  /** The key that protects branch keys: id, ARN, alias name or alias ARN. */
  keyId: string;
}

/**
 * The branch key that wraps the subjects' data keys. One for the service: a branch key
 * version serves any number of subjects, and the key policy names this id.
 */
export const DATA_KEYS_BRANCH_KEY_ID = 'subject-data-keys';

/** The encryption context of a branch key version: what the key policy's conditions name. */
export const branchKeyContext = (branchKeyId: string, version: string): Record<string, string> => ({
  branchKeyId,
  branchKeyVersion: version,
});

/**
 * Branch key material made by KMS (`GenerateDataKey`, 256 bits) and unwrapped by it, under
 * the context `{branchKeyId, branchKeyVersion}`, so a blob moved to another version's item
 * does not unwrap. Outages become `KeyUnavailableError`, as for every KMS call.
 */
export class KMSBranchKeyProtector implements BranchKeyProtector {
  constructor(private readonly options: KMSBranchKeyProtectorOptions) {}

  generate(branchKeyId: string, version: string): Promise<DataKey> {
    return generateDataKey(
      this.options.client,
      this.options.keyId,
      branchKeyContext(branchKeyId, version),
    );
  }

  unwrap(branchKeyId: string, version: string, wrapped: Uint8Array): Promise<Uint8Array> {
    return decryptDataKey(this.options.client, wrapped, branchKeyContext(branchKeyId, version));
  }
}
