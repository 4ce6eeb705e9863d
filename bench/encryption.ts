import { randomUUID } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { customerViewsTable, eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { customerModule } from '../src/app/customer/module.js';
import { Service } from '../src/composition/service.js';
import { readConfig } from '../src/config.js';
import { silentLogger } from '../src/core/ports.js';
import { type KmsStandIn, startKmsStandIn } from '../src/local/kms/kms-standin.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import { type ColdKmsCalls, measureColdKmsCalls, renderColdKmsCalls } from './cold-kms-calls.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { percentile, round, sum } from './stats.js';
import { timedCommands } from './timed-commands.js';

/**
 * The in-process command path (`CustomerCommandService.execute`, DynamoDB Local) with
 * encryption off (plaintext, claims keyed by the address: raw keys), on (PII encrypted with
 * per-customer keys from the KMS stand-in, claims keyed by HMAC, plaintext claims of before
 * still checked) and on with hashed claims only (`LEGACY_EMAIL_CLAIMS=off`).
 *
 * Paired: every worker takes each of its customers through all three modes in turn (the
 * order rotating per customer), so the three see the same moments of a shared, noisy
 * machine; each mode has tables and a service of its own. The ratio is of the time the
 * commands took. KMS calls are counted after that, in a pass alone: warm commands, then new
 * customers.
 */
export type EncryptionMode = 'plaintext' | 'encrypted' | 'encrypted-hashed-only';
const MODES: EncryptionMode[] = ['plaintext', 'encrypted', 'encrypted-hashed-only'];

export interface EncryptionRow {
  concurrency: number;
  commandsPerMode: number;
  /** Commands per second of each mode's own time (sum of its latencies over the workers). */
  plaintextPerSecond: number;
  encryptedPerSecond: number;
  hashedOnlyPerSecond: number;
  /** Encrypted over plaintext throughput; target ≥ 0.9. */
  ratio: number;
  hashedOnlyRatio: number;
  p50Ms: Record<EncryptionMode, number>;
  p99Ms: Record<EncryptionMode, number>;
  kmsCallsPer1000WarmCommands: number;
  kmsCallsPerNewCustomer: number;
}

export interface EncryptionResults {
  customers: number;
  updates: number;
  rows: EncryptionRow[];
  /** KMS calls per command with cold caches, data keys wrapped directly by KMS vs by a branch key. */
  coldKms: ColdKmsCalls;
}

type Kms = { standIn: KmsStandIn; client: KMSClient };

const serviceFor = (db: BenchDynamoDB, label: string, mode: EncryptionMode, kms: Kms) => {
  const tables = { events: `${label}-events`, views: `${label}-views` };
  return {
    tables,
    service: new Service({
      config: readConfig({
        COMMAND_TABLE: tables.events,
        QUERY_TABLE: tables.views,
        LEGACY_EMAIL_CLAIMS: mode === 'encrypted-hashed-only' ? 'off' : 'check',
        ...(mode === 'plaintext' ? {} : { KMS_KEY_ID: kms.standIn.aliasName }),
      }),
      clients: {
        dynamodb: db.newDocumentClient(),
        ...(mode === 'plaintext' ? {} : { kms: kms.client }),
      },
      logger: silentLogger,
    }),
  };
};

const meta = { correlationId: 'bench' };
const register = (service: Service, customerId: string) =>
  service.aggregate(customerModule).commands.execute(
    {
      type: 'RegisterCustomer',
      data: { customerId, email: `${customerId}-0@bench.example`, name: `Bench ${customerId}` },
    },
    meta,
  );
const changeEmail = (service: Service, customerId: string, k: number) =>
  service
    .aggregate(customerModule)
    .commands.execute(
      { type: 'UpdateEmail', data: { customerId, newEmail: `${customerId}-${k}@bench.example` } },
      meta,
    );

const runConcurrency = async (
  db: BenchDynamoDB,
  concurrency: number,
  options: BenchOptions,
  kms: Kms,
  onCommand: () => void,
): Promise<EncryptionRow> => {
  const run = randomUUID().slice(0, 8);
  const parts = MODES.map((mode) => ({
    mode,
    ...serviceFor(db, `enc-${run}-${mode}-c${concurrency}`, mode, kms),
  }));
  for (const { tables } of parts) {
    await db.createTable(tables.events, eventStoreTable);
    await db.createTable(tables.views, customerViewsTable);
  }
  // The process-wide HMAC secret is loaded once per process, before any measured command.
  for (const { service } of parts) await service.crypto?.hasher.hash('warm-up@bench.example');

  const { latencyMs, timed } = timedCommands(MODES, onCommand);
  const customerIds = Array.from({ length: options.customers }, (_, c) => `e${run}-${c}`);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let c = worker; c < customerIds.length; c += concurrency) {
        const customerId = customerIds[c] as string;
        for (let i = 0; i < parts.length; i++) {
          const { mode, service } = parts[(c + i) % parts.length] as (typeof parts)[number];
          await timed(mode, () => register(service, customerId));
          for (let k = 1; k <= options.updates; k++) {
            await timed(mode, () => changeEmail(service, customerId, k));
          }
        }
      }
    }),
  );

  // KMS calls, counted alone: one more email change for every customer (warm), then new
  // customers (cold), on the encrypted service.
  const encrypted = (parts.find((p) => p.mode === 'encrypted') as (typeof parts)[number]).service;
  const requests = () => kms.standIn.stats().requests;
  let before = requests();
  for (const customerId of customerIds) {
    await changeEmail(encrypted, customerId, options.updates + 1);
  }
  const warmCalls = requests() - before;
  const newCustomers = Math.min(20, options.customers);
  before = requests();
  for (let n = 0; n < newCustomers; n++) await register(encrypted, `n${run}-${n}`);
  const coldCalls = requests() - before;

  for (const { service, tables } of parts) {
    await service.settle();
    await db.deleteTable(tables.events);
    await db.deleteTable(tables.views);
  }
  const of = (mode: EncryptionMode) => latencyMs[mode];
  const perSecond = (mode: EncryptionMode) =>
    of(mode).length / (sum(of(mode)) / 1000 / concurrency);
  const byMode = (f: (mode: EncryptionMode) => number) =>
    Object.fromEntries(MODES.map((m) => [m, round(f(m))])) as Record<EncryptionMode, number>;
  return {
    concurrency,
    commandsPerMode: of('plaintext').length,
    plaintextPerSecond: round(perSecond('plaintext'), 1),
    encryptedPerSecond: round(perSecond('encrypted'), 1),
    hashedOnlyPerSecond: round(perSecond('encrypted-hashed-only'), 1),
    ratio: round(perSecond('encrypted') / perSecond('plaintext'), 3),
    hashedOnlyRatio: round(perSecond('encrypted-hashed-only') / perSecond('plaintext'), 3),
    p50Ms: byMode((m) => percentile(of(m), 50)),
    p99Ms: byMode((m) => percentile(of(m), 99)),
    kmsCallsPer1000WarmCommands: round((warmCalls / customerIds.length) * 1000, 2),
    kmsCallsPerNewCustomer: round(coldCalls / newCustomers, 2),
  };
};

export const runEncryption = async (
  db: BenchDynamoDB,
  options: BenchOptions,
  progress: Progress,
): Promise<EncryptionResults> => {
  const standIn = await startKmsStandIn();
  const client = new KMSClient(standIn.clientConfig);
  const rows: EncryptionRow[] = [];
  let coldKms: ColdKmsCalls;
  try {
    for (const concurrency of options.concurrency) {
      const total = MODES.length * options.customers * (1 + options.updates);
      const phase = progress.phase(
        `encryption off / on / hashed only, ${concurrency} workers`,
        total,
      );
      rows.push(
        await runConcurrency(db, concurrency, options, { standIn, client }, () => phase.tick()),
      );
      phase.done();
    }
    const commands = Math.max(options.customers, 20);
    const phase = progress.phase('KMS calls with cold caches, direct vs branch key', 1);
    coldKms = await measureColdKmsCalls(db, { standIn, client }, commands);
    phase.tick();
    phase.done();
  } finally {
    client.destroy();
    await standIn.stop();
  }
  return { customers: options.customers, updates: options.updates, rows, coldKms };
};

export const renderEncryption = (results: EncryptionResults): string => {
  const lines = [
    `### Encryption on vs off (in-process command path, ${results.customers} customers × (1 register + ${results.updates} email changes) in each mode, paired per customer)`,
    '',
    '"on" checks and releases the plaintext email claims of before with the hashed ones (`LEGACY_EMAIL_CLAIMS=check`, the default); "hashed only" is `LEGACY_EMAIL_CLAIMS=off`, for after `npm run encrypt-legacy`.',
    '',
    '| workers | off cmd/s | on cmd/s | on / off (target ≥ 0.9) | hashed only cmd/s | hashed only / off | p50 ms off / on / hashed only | p99 ms off / on / hashed only | KMS calls per 1,000 warm commands | KMS calls per new customer |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of results.rows) {
    const ms = (r: Record<EncryptionMode, number>) =>
      `${r.plaintext} / ${r.encrypted} / ${r['encrypted-hashed-only']}`;
    lines.push(
      `| ${row.concurrency} | ${row.plaintextPerSecond} | ${row.encryptedPerSecond} | ${row.ratio} | ${row.hashedOnlyPerSecond} | ${row.hashedOnlyRatio} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ${row.kmsCallsPer1000WarmCommands} | ${row.kmsCallsPerNewCustomer} |`,
    );
  }
  return `${lines.join('\n')}\n\n${renderColdKmsCalls(results.coldKms)}`;
};
