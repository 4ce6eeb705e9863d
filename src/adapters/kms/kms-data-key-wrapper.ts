import type { KMSClient } from '@aws-sdk/client-kms';
import type { DataKey, DataKeyWrapper } from '../../core/data-keys.js';
import { decryptDataKey, generateDataKey } from './kms-data-key-calls.js';

export interface KMSDataKeyWrapperOptions {
  client: KMSClient;
  /** The wrapping key: id, ARN, alias name or alias ARN. */
  keyId: string;
}

/**
 * Customer data keys wrapped by a KMS key under the encryption context `{customerId}`, so a
 * wrapped key copied to another customer's item does not unwrap. Throttles, KMS faults and
 * lost connections become `KeyUnavailableError`; a refused blob (`InvalidCiphertextException`)
 * is passed on as it is, since retrying cannot help.
 */
export class KMSDataKeyWrapper implements DataKeyWrapper {
  constructor(private readonly options: KMSDataKeyWrapperOptions) {}

  generate(customerId: string): Promise<DataKey> {
    return generateDataKey(this.options.client, this.options.keyId, { customerId });
  }

  unwrap(customerId: string, wrapped: Uint8Array): Promise<Uint8Array> {
    return decryptDataKey(this.options.client, wrapped, { customerId });
  }
}
