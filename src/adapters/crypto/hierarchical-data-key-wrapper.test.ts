import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BranchKeys, type StoredBranchKeyVersion } from '../../core/branch-keys.js';
import type { DataKeyWrapper } from '../../core/data-keys.js';
import { wrapWithBranchKey } from './branch-key-envelope.js';
import { WrappedKeyDecryptionError } from './crypto-errors.js';
import { HierarchicalDataKeyWrapper } from './hierarchical-data-key-wrapper.js';

/** A branch key whose one version is stored unwrapped ("KMS" is the identity here). */
const branchKeys = () => {
  let active: StoredBranchKeyVersion | undefined;
  return new BranchKeys({
    store: {
      getActive: async () => active,
      getVersion: async (_id, version) => (active?.version === version ? active : undefined),
      activate: async (next) => {
        active = next;
        return true;
      },
    },
    protector: {
      generate: async () => {
        const key = randomBytes(32);
        return { plaintext: key, wrapped: key };
      },
      unwrap: async (_id, _version, wrapped) => wrapped,
    },
    branchKeyId: 'subject-data-keys',
    ttlMs: 60_000,
    newVersion: () => 'v1',
  });
};

/** For keys of the hierarchy: calling it would be a fault. */
const unusedDirect: DataKeyWrapper = {
  generate: () => Promise.reject(new Error('direct generate called')),
  unwrap: () => Promise.reject(new Error('direct unwrap called')),
};

describe('HierarchicalDataKeyWrapper', () => {
  it('makes 256-bit keys wrapped by the active branch key version, for their subject only', async () => {
    const wrapper = new HierarchicalDataKeyWrapper({
      branchKeys: branchKeys(),
      direct: unusedDirect,
    });
    const key = await wrapper.generate('c-1');
    expect(key.plaintext).toHaveLength(32);
    expect(Buffer.from(await wrapper.unwrap('c-1', key.wrapped))).toEqual(
      Buffer.from(key.plaintext),
    );
    await expect(wrapper.unwrap('c-2', key.wrapped)).rejects.toBeInstanceOf(
      WrappedKeyDecryptionError,
    );
  });

  it('hands keys wrapped directly by KMS to the direct wrapper, unchanged', async () => {
    const seen: [string, Uint8Array][] = [];
    const direct: DataKeyWrapper = {
      generate: async () => Promise.reject(new Error('unused')),
      unwrap: async (subjectId, wrapped) => {
        seen.push([subjectId, wrapped]);
        return new Uint8Array(32).fill(7);
      },
    };
    const wrapper = new HierarchicalDataKeyWrapper({ branchKeys: branchKeys(), direct });
    const kmsBlob = Buffer.concat([Buffer.from([0x01, 0x02, 0x03, 0x00]), randomBytes(160)]);
    expect(await wrapper.unwrap('c-1', kmsBlob)).toEqual(new Uint8Array(32).fill(7));
    expect(seen).toEqual([['c-1', kmsBlob]]);
  });

  it('refuses a key wrapped by another branch key', async () => {
    const wrapper = new HierarchicalDataKeyWrapper({
      branchKeys: branchKeys(),
      direct: unusedDirect,
    });
    const foreign = wrapWithBranchKey(
      { branchKeyId: 'other-key', version: 'v1', key: randomBytes(32) },
      'c-1',
      randomBytes(32),
    );
    await expect(wrapper.unwrap('c-1', foreign)).rejects.toThrow(/other-key/);
  });
});
