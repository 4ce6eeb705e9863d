import { KMSClient } from '@aws-sdk/client-kms';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/ports.js';
import { type KmsStandIn, startKmsStandIn } from '../../src/local/kms/kms-standin.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

export interface EncryptedService {
  tables: TestTables;
  kms: KmsStandIn;
  service: Service;
  /** What an ops CLI is given to reach these tables and this KMS, as it would reach AWS. */
  cliEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** Fresh tables, a KMS stand-in and the service on them, with encryption on. */
export const startEncryptedService = async (): Promise<EncryptedService> => {
  const tables = await createTestTables();
  const kms = await startKmsStandIn();
  const kmsClient = new KMSClient(kms.clientConfig);
  const settings = {
    COMMAND_TABLE: tables.eventStoreTableName,
    QUERY_TABLE: tables.viewsTableName,
    KMS_KEY_ID: kms.aliasName,
  };
  const service = new Service({
    config: readConfig(settings),
    clients: { dynamodb: tables.documentClient, kms: kmsClient },
    logger: silentLogger,
  });
  return {
    tables,
    kms,
    service,
    cliEnv: {
      ...settings,
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_REGION: 'us-east-1',
    },
    async stop() {
      kmsClient.destroy();
      await kms.stop();
      await tables.dispose();
    },
  };
};
