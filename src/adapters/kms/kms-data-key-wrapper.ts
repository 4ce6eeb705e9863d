import type { KMSClient } from '@aws-sdk/client-kms';
import type { DataKey, DataKeyWrapper } from '../../core/data-keys.js';
import { decryptDataKey, generateDataKey } from './kms-data-key-calls.js';

export interface KMSDataKeyWrapperOptions {
  client: KMSClient;
  /** The wrapping key: id, ARN, alias name or alias ARN. */
  keyId: string;
}

/**
 * Subjects' data keys wrapped by a KMS key under the encryption context `{customerId}` (its
 * name from when every subject was a customer, kept so keys wrapped then still unwrap), so a
 * wrapped key copied to another subject's item does not unwrap. Throttles, KMS faults and
 * lost connections become `KeyUnavailableError`; a refused blob (`InvalidCiphertextException`)
 * is passed on as it is, since retrying cannot help.
 */
export class KMSDataKeyWrapper implements DataKeyWrapper {
  constructor(private readonly options: KMSDataKeyWrapperOptions) {}

  generate(subjectId: string): Promise<DataKey> {
    return generateDataKey(this.options.client, this.options.keyId, { customerId: subjectId });
  }

  unwrap(subjectId: string, wrapped: Uint8Array): Promise<Uint8Array> {
    return decryptDataKey(this.options.client, wrapped, { customerId: subjectId });
  }
}
