import { randomUUID } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { HierarchicalDataKeyWrapper } from '../src/adapters/crypto/hierarchical-data-key-wrapper.js';
import { DynamoDBSubjectKeyStore } from '../src/adapters/dynamodb/dynamodb-subject-key-store.js';
import { customerViewsTable, eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { KMSDataKeyWrapper } from '../src/adapters/kms/kms-data-key-wrapper.js';
import { customerModule } from '../src/app/customer/module.js';
import { Service } from '../src/composition/service.js';
import { buildBranchKeys } from '../src/composition/service-crypto.js';
import { readConfig } from '../src/config.js';
import { DataKeyCache } from '../src/core/data-key-cache.js';
import type { DataKeyWrapper } from '../src/core/data-keys.js';
import { silentLogger } from '../src/core/ports.js';
import { SubjectDataKeys } from '../src/core/subject-data-keys.js';
import type { KmsStandIn } from '../src/local/kms/kms-standin.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import { round } from './stats.js';

/**
 * KMS calls per command with cold caches: every command on a different customer, in a
 * process that has just started (the HMAC secret, loaded once per process either way, is
 * warmed first). The mix: 80% email changes, 15% registrations, 5% suspensions.
 *
 * - **direct**: data keys wrapped by KMS, as before the key hierarchy: the data-key path
 *   (`SubjectDataKeys` over `KMSDataKeyWrapper`), which is every KMS call a warm-secret
 *   command makes; a change or suspension unwraps (Decrypt), a registration generates.
 * - **branch key**: the same data-key path over the hierarchy, and the whole command path of
 *   the service as composed (`Service`), both after a restart.
 */
export interface ColdKmsCalls {
  commands: number;
  directPerCommand: number;
  branchKeyPerCommand: number;
  /** The service's whole command path (commands executed, not only their keys). */
  servicePerCommand: number;
}

type Op = 'change' | 'register' | 'suspend';
const opOf = (n: number): Op => (n % 20 < 16 ? 'change' : n % 20 < 19 ? 'register' : 'suspend');

export const measureColdKmsCalls = async (
  db: BenchDynamoDB,
  kms: { standIn: KmsStandIn; client: KMSClient },
  commands: number,
): Promise<ColdKmsCalls> => {
  const run = randomUUID().slice(0, 8);
  const tables = { events: `kms-${run}-events`, views: `kms-${run}-views` };
  await db.createTable(tables.events, eventStoreTable);
  await db.createTable(tables.views, customerViewsTable);
  const config = readConfig({
    COMMAND_TABLE: tables.events,
    QUERY_TABLE: tables.views,
    KMS_KEY_ID: kms.standIn.aliasName,
  });
  const dynamodb = db.newDocumentClient();
  const store = new DynamoDBSubjectKeyStore({ client: dynamodb, tableName: tables.events });
  const direct = new KMSDataKeyWrapper({ client: kms.client, keyId: kms.standIn.aliasName });
  const hierarchy = () =>
    new HierarchicalDataKeyWrapper({
      branchKeys: buildBranchKeys({ config, kms: kms.client, dynamodb }),
      direct,
    });
  /** A process's data keys: a cache of its own, so a new one is a restart. */
  const processKeys = (wrapper: DataKeyWrapper) =>
    new SubjectDataKeys({
      wrapper,
      store,
      cache: new DataKeyCache({ maxEntries: 10_000, maxAgeMs: 300_000 }),
    });
  const requests = () => kms.standIn.stats().requests;

  const keyPath = async (label: string, wrapper: () => DataKeyWrapper) => {
    const ids = Array.from({ length: commands }, (_, n) => `${label}-${run}-${n}`);
    // Existing customers, written by another process before the restart.
    const writer = processKeys(wrapper());
    for (const [n, id] of ids.entries()) if (opOf(n) !== 'register') await writer.getOrCreate(id);
    const restarted = processKeys(wrapper());
    const before = requests();
    for (const [n, id] of ids.entries()) {
      if (opOf(n) === 'register') await restarted.createForNewStream(id);
      else await restarted.get(id);
    }
    return (requests() - before) / commands;
  };
  const directPerCommand = await keyPath('d', () => direct);
  const branchKeyPerCommand = await keyPath('b', hierarchy);

  const serviceProcess = () =>
    new Service({
      config,
      clients: { dynamodb, kms: kms.client },
      logger: silentLogger,
    });
  const meta = { correlationId: 'bench' };
  const ids = Array.from({ length: commands }, (_, n) => `s-${run}-${n}`);
  const registration = (id: string) => ({
    type: 'RegisterCustomer' as const,
    data: { customerId: id, email: `${id}@bench.example`, name: `Bench ${id}` },
  });
  const writer = serviceProcess();
  for (const [n, id] of ids.entries())
    if (opOf(n) !== 'register')
      await writer.aggregate(customerModule).commands.execute(registration(id), meta);
  await writer.settle();
  const restarted = serviceProcess();
  await restarted.crypto?.hasher.hash('warm-up@bench.example');
  const before = requests();
  for (const [n, id] of ids.entries()) {
    const op = opOf(n);
    if (op === 'register')
      await restarted.aggregate(customerModule).commands.execute(registration(id), meta);
    else if (op === 'suspend')
      await restarted
        .aggregate(customerModule)
        .commands.execute(
          { type: 'SuspendCustomer', data: { customerId: id, reasonCode: 'FRAUD' as const } },
          meta,
        );
    else
      await restarted
        .aggregate(customerModule)
        .commands.execute(
          { type: 'UpdateEmail', data: { customerId: id, newEmail: `${id}-2@bench.example` } },
          meta,
        );
  }
  const servicePerCommand = (requests() - before) / commands;
  await restarted.settle();
  await db.deleteTable(tables.events);
  await db.deleteTable(tables.views);
  dynamodb.destroy();
  return {
    commands,
    directPerCommand: round(directPerCommand, 4),
    branchKeyPerCommand: round(branchKeyPerCommand, 4),
    servicePerCommand: round(servicePerCommand, 4),
  };
};

export const renderColdKmsCalls = (result: ColdKmsCalls): string =>
  [
    `### KMS calls per command with cold caches (${result.commands} commands, each on a different customer, after a restart; 80% email changes, 15% registrations, 5% suspensions)`,
    '',
    '| data keys wrapped | KMS calls per command |',
    '|---|---:|',
    `| directly by KMS (before the key hierarchy; data-key path) | ${result.directPerCommand} |`,
    `| by a branch key (data-key path) | ${result.branchKeyPerCommand} |`,
    `| by a branch key (the service's whole command path) | ${result.servicePerCommand} |`,
    '',
    `With a branch key a process makes one KMS call per branch key version per \`BRANCH_KEY_CACHE_TTL_SECONDS\`, whatever the number of customers: here 1 in ${result.commands} commands.`,
    '',
  ].join('\n');
