import {
  decrypt,
  encrypt,
  generateDataKey,
  generateDataKeyWithoutPlaintext,
} from './data-key-operations.js';
import { createAlias, createKey, describeKey, listAliases, listKeys } from './key-operations.js';
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
} satisfies Record<string, Operation>;

export type KmsOperationName = keyof typeof OPERATIONS;
