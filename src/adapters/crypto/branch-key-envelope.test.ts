import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BranchKeyMaterials } from '../../core/branch-keys.js';
import {
  branchKeyOf,
  isBranchWrapped,
  unwrapWithBranchKey,
  wrapWithBranchKey,
} from './branch-key-envelope.js';
import { MalformedEncryptedValueError, WrappedKeyDecryptionError } from './crypto-errors.js';

const materials = (version = 'v-1', key: Uint8Array = randomBytes(32)): BranchKeyMaterials => ({
  branchKeyId: 'subject-data-keys',
  version,
  key,
});

describe('a data key wrapped by a branch key version', () => {
  it('unwraps for its subject under its version, and names that version in its header', () => {
    const branch = materials();
    const dataKey = randomBytes(32);
    const wrapped = wrapWithBranchKey(branch, 'c-1', dataKey);
    expect(isBranchWrapped(wrapped)).toBe(true);
    expect(branchKeyOf(wrapped)).toEqual({ branchKeyId: 'subject-data-keys', version: 'v-1' });
    expect(Buffer.from(unwrapWithBranchKey(branch, 'c-1', wrapped))).toEqual(dataKey);
    // Neither key appears in the stored bytes.
    expect(Buffer.from(wrapped).includes(dataKey)).toBe(false);
    expect(Buffer.from(wrapped).includes(Buffer.from(branch.key))).toBe(false);
  });

  it('wraps the same key differently each time (random salt and IV)', () => {
    const branch = materials();
    const dataKey = randomBytes(32);
    const one = Buffer.from(wrapWithBranchKey(branch, 'c-1', dataKey));
    const two = Buffer.from(wrapWithBranchKey(branch, 'c-1', dataKey));
    expect(one.equals(two)).toBe(false);
  });

  it('refuses another subject, another version, another branch key material, changed bytes', () => {
    const branch = materials();
    const wrapped = wrapWithBranchKey(branch, 'c-1', randomBytes(32));
    expect(() => unwrapWithBranchKey(branch, 'c-2', wrapped)).toThrow(WrappedKeyDecryptionError);
    expect(() => unwrapWithBranchKey(materials('v-2', branch.key), 'c-1', wrapped)).toThrow(
      WrappedKeyDecryptionError,
    );
    expect(() => unwrapWithBranchKey(materials('v-1'), 'c-1', wrapped)).toThrow(
      WrappedKeyDecryptionError,
    );
    for (let at = 0; at < wrapped.length; at++) {
      const changed = Buffer.from(wrapped);
      changed[at] = (changed[at] ?? 0) ^ 0x01;
      expect(() => unwrapWithBranchKey(branch, 'c-1', changed)).toThrow();
    }
  });

  it('tells itself from a key wrapped directly by KMS, whose blobs begin with 0x01', () => {
    const kmsBlob = Buffer.concat([Buffer.from([0x01, 0x02, 0x03, 0x00, 0x78]), randomBytes(150)]);
    expect(isBranchWrapped(kmsBlob)).toBe(false);
    expect(() => branchKeyOf(kmsBlob)).toThrow(MalformedEncryptedValueError);
    const wrapped = Buffer.from(wrapWithBranchKey(materials(), 'c-1', randomBytes(32)));
    expect(() => branchKeyOf(wrapped.subarray(0, 12))).toThrow(MalformedEncryptedValueError);
  });
});
