import {
  decrypt,
  encrypt,
  generateDataKey,
  generateDataKeyWithoutPlaintext,
} from './data-key-operations.js';
import { createAlias, createKey, describeKey, listAliases, listKeys } from './key-operations.js';
import {
  cancelKeyDeletion,
  disableKey,
  disableKeyRotation,
  enableKey,
  enableKeyRotation,
  getKeyRotationStatus,
  scheduleKeyDeletion,
} from './key-state-operations.js';
import {
  getKeyPolicy,
  listResourceTags,
  putKeyPolicy,
  tagResource,
  untagResource,
} from './key-tags-and-policy.js';
import { generateMac, verifyMac } from './mac-operations.js';
import type { Operation } from './operation-context.js';

/** Every `TrentService.<Op>` the stand-in answers; anything else is `UnknownOperationException`. */
export const OPERATIONS = {
  GenerateDataKey: generateDataKey,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  Encrypt: encrypt,
  Decrypt: decrypt,
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
  DescribeKey: describeKey,
  ListKeys: listKeys,
  ListAliases: listAliases,
  CreateKey: createKey,
  CreateAlias: createAlias,
  DisableKey: disableKey,
  EnableKey: enableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  GetKeyRotationStatus: getKeyRotationStatus,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  ListResourceTags: listResourceTags,
  TagResource: tagResource,
  UntagResource: untagResource,
  GetKeyPolicy: getKeyPolicy,
  PutKeyPolicy: putKeyPolicy,
} satisfies Record<string, Operation>;

export type KmsOperationName = keyof typeof OPERATIONS;
