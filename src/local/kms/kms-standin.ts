import { join } from 'node:path';
import { type Operation, startAwsJsonServer } from '../aws-json/aws-json-server.js';
import { LOCAL_CREDENTIALS } from '../local-endpoints.js';
import { loadKeyFile, saveKeyFile } from './key-file.js';
import { KeyRing } from './key-ring.js';
import { type InjectedFault, injectedFault } from './kms-errors.js';
import type { OperationContext } from './operation-context.js';
import { type KmsOperationName, OPERATIONS } from './operations.js';

export const DEFAULT_DATA_KEY_ALIAS = 'alias/customer-service-data-keys';

export interface KmsStandInOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  region?: string;
  accountId?: string;
  /** Keys are kept in `<dataDir>/kms/keys.json`; in memory only when absent. */
  dataDir?: string;
  /** The alias of the symmetric key created on first start. */
  aliasName?: string;
  now?: () => Date;
}

export interface KmsStandInStats {
  /** Requests received, whatever they asked. */
  requests: number;
  /** Requests answered with an injected fault. */
  injectedFaults: number;
  /** Calls per operation, faulted ones included. */
  operations: Partial<Record<KmsOperationName, number>>;
}

export interface KmsStandIn {
  endpoint: string;
  port: number;
  region: string;
  accountId: string;
  /** The symmetric key behind `aliasName`. */
  keyId: string;
  keyArn: string;
  aliasName: string;
  /** `null` when the keys live in memory. */
  keyFile: string | null;
  /** Settings for a `KMSClient` (any credentials are accepted). */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** The next `count` requests fail as a whole with `type` (the SDK retries these itself). */
  failNextRequests(count: number, type?: InjectedFault): void;
  /** Stops listening and drops open connections: callers see connection refused. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stats(): KmsStandInStats;
  stop(): Promise<void>;
}

/**
 * A local KMS on loopback that speaks the AWS JSON 1.1 protocol (`X-Amz-Target:
 * TrentService.<Op>`), so `@aws-sdk/client-kms` and `aws kms … --endpoint-url` work
 * unchanged. Ciphertext blobs name their key and authenticate their encryption context,
 * as KMS's do. Master keys persist under `dataDir`, so old ciphertext decrypts after a
 * restart. Nothing here logs: key material and plaintext never reach a log line.
 */
export const startKmsStandIn = async (options: KmsStandInOptions = {}): Promise<KmsStandIn> => {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const aliasName = options.aliasName ?? DEFAULT_DATA_KEY_ALIAS;
  const now = options.now ?? (() => new Date());
  const keyFile = options.dataDir === undefined ? null : join(options.dataDir, 'kms', 'keys.json');

  const ring = new KeyRing(region, accountId, keyFile ? await loadKeyFile(keyFile) : undefined);
  // Saves one at a time, so a later state never loses the race to an earlier one.
  let saving: Promise<void> = Promise.resolve();
  const persist = (): Promise<void> => {
    if (!keyFile) return Promise.resolve();
    saving = saving.catch(() => {}).then(() => saveKeyFile(keyFile, ring.state()));
    return saving;
  };
  // A key whose deletion date passed while stopped is gone, as it would be in KMS; a deleted
  // data key is replaced by a new one (what it wrapped stays unreadable, as in KMS).
  const deleted = ring.deleteDueKeys(now());
  const missing = !ring.alias(aliasName);
  if (missing) {
    const key = ring.createKey('SYMMETRIC_DEFAULT', 'Wraps the per-customer data keys', now());
    ring.createAlias(aliasName, key.keyId, now());
  }
  if (deleted || missing) await persist();
  const dataKey = ring.resolve(aliasName);
  const context: OperationContext = { ring, persist, now };

  const counters = { requests: 0, injectedFaults: 0 };
  const perOperation: Partial<Record<KmsOperationName, number>> = {};
  let faults = 0;
  let faultType: InjectedFault = 'KMSInternalException';

  const operations = Object.fromEntries(
    Object.entries(OPERATIONS).map(([name, operation]): [string, Operation] => [
      name,
      async (input) => {
        if (ring.deleteDueKeys(now())) await persist();
        return operation(input, context);
      },
    ]),
  );
  const server = await startAwsJsonServer({
    port: options.port ?? 0,
    targetPrefix: 'TrentService',
    operations,
    internalErrorType: 'KMSInternalException',
    maxBodyBytes: 1024 * 1024,
    onRequest: () => {
      counters.requests++;
    },
    beforeOperation: (name) => {
      const operation = name as KmsOperationName;
      perOperation[operation] = (perOperation[operation] ?? 0) + 1;
      if (faults <= 0) return;
      faults--;
      counters.injectedFaults++;
      throw injectedFault(faultType);
    },
  });
  const { endpoint, port } = server;
  return {
    endpoint,
    port,
    region,
    accountId,
    keyId: dataKey.keyId,
    keyArn: ring.keyArn(dataKey.keyId),
    aliasName,
    keyFile,
    clientConfig: {
      endpoint,
      region,
      credentials: LOCAL_CREDENTIALS,
    },
    failNextRequests: (count, type = 'KMSInternalException') => {
      faults = count;
      faultType = type;
    },
    pause: server.pause,
    resume: server.resume,
    stats: () => ({ ...counters, operations: { ...perOperation } }),
    stop: async () => {
      await server.stop();
      await saving.catch(() => {});
    },
  };
};
