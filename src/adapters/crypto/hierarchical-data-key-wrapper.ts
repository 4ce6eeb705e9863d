import { randomBytes } from 'node:crypto';
import type { BranchKeys } from '../../core/branch-keys.js';
import type { DataKey, DataKeyWrapper } from '../../core/data-keys.js';
import {
  branchKeyOf,
  isBranchWrapped,
  unwrapWithBranchKey,
  wrapWithBranchKey,
} from './branch-key-envelope.js';
import { WrappedKeyDecryptionError } from './crypto-errors.js';

export interface HierarchicalDataKeyWrapperOptions {
  branchKeys: BranchKeys;
  /** Unwraps the keys wrapped directly by KMS before the hierarchy (today's layout). */
  direct: DataKeyWrapper;
}

/**
 * Subjects' data keys generated locally and wrapped by the active branch key version, so
 * neither making nor unwrapping one calls KMS while the branch key's materials are cached.
 * Keys wrapped directly by KMS, as stored before the hierarchy, still unwrap through
 * `direct`; they are not rewritten.
 */
export class HierarchicalDataKeyWrapper implements DataKeyWrapper {
  constructor(private readonly options: HierarchicalDataKeyWrapperOptions) {}

  async generate(subjectId: string): Promise<DataKey> {
    const materials = await this.options.branchKeys.activeMaterials();
    const plaintext = randomBytes(32);
    return { plaintext, wrapped: wrapWithBranchKey(materials, subjectId, plaintext) };
  }

  async unwrap(subjectId: string, wrapped: Uint8Array): Promise<Uint8Array> {
    if (!isBranchWrapped(wrapped)) return this.options.direct.unwrap(subjectId, wrapped);
    const { branchKeys } = this.options;
    const { branchKeyId, version } = branchKeyOf(wrapped);
    if (branchKeyId !== branchKeys.branchKeyId)
      throw new WrappedKeyDecryptionError(
        `The data key of subject ${subjectId} is wrapped by branch key ${branchKeyId}, not ${branchKeys.branchKeyId}`,
      );
    return unwrapWithBranchKey(await branchKeys.versionMaterials(version), subjectId, wrapped);
  }
}
