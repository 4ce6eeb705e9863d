import { randomUUID } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { customerViewsTable, eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { CustomerService } from '../src/composition/customer-service.js';
import { readConfig } from '../src/config.js';
import { silentLogger } from '../src/core/ports.js';
import { type KmsStandIn, startKmsStandIn } from '../src/local/kms/kms-standin.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { median, percentile, round } from './stats.js';

/**
 * The in-process command path (`CustomerCommandService.execute`, DynamoDB Local) with
 * encryption on (PII encrypted with per-customer keys from the KMS stand-in, claims keyed by
 * HMAC) against off (plaintext, raw claim keys), in the same run, rounds interleaved so
 * drift of the machine falls on both alike. Also: KMS calls per 1,000 warm commands.
 */
/** `encrypted-hashed-only`: as `encrypted`, with the plaintext claims of before no longer checked. */
export type EncryptionMode = 'plaintext' | 'encrypted' | 'encrypted-hashed-only';
const MODES: EncryptionMode[] = ['plaintext', 'encrypted', 'encrypted-hashed-only'];

export interface EncryptionRun {
  mode: EncryptionMode;
  concurrency: number;
  round: number;
  commands: number;
  commandsPerSecond: number;
  latencyMs: number[];
  /** KMS requests during the run's warm commands (every command after a customer's first). */
  warmKmsCalls: number;
  warmCommands: number;
  /** KMS requests during the first command of each customer (key generation). */
  coldKmsCalls: number;
}

export interface EncryptionRow {
  concurrency: number;
  plaintextPerSecond: number;
  encryptedPerSecond: number;
  /** Encrypted throughput over plaintext throughput (median of rounds each); target ≥ 0.9. */
  ratio: number;
  /** The same with only hashed claims (plaintext claims of before no longer checked). */
  hashedOnlyPerSecond: number;
  hashedOnlyRatio: number;
  hashedOnlyP50Ms: number;
  plaintextP50Ms: number;
  encryptedP50Ms: number;
  plaintextP99Ms: number;
  encryptedP99Ms: number;
  kmsCallsPer1000WarmCommands: number;
  kmsCallsPerNewCustomer: number;
}

export interface EncryptionResults {
  customers: number;
  updates: number;
  rounds: number;
  runs: EncryptionRun[];
  rows: EncryptionRow[];
}

const serviceFor = (
  db: BenchDynamoDB,
  tables: { events: string; views: string },
  kms: { standIn: KmsStandIn; client: KMSClient } | undefined,
  legacyClaims: 'check' | 'off',
) =>
  new CustomerService({
    config: readConfig({
      COMMAND_TABLE: tables.events,
      QUERY_TABLE: tables.views,
      LEGACY_EMAIL_CLAIMS: legacyClaims,
      ...(kms ? { KMS_KEY_ID: kms.standIn.aliasName } : {}),
    }),
    clients: { dynamodb: db.newDocumentClient(), ...(kms ? { kms: kms.client } : {}) },
    logger: silentLogger,
  });

const runOnce = async (
  db: BenchDynamoDB,
  mode: EncryptionMode,
  concurrency: number,
  roundNo: number,
  options: BenchOptions,
  kms: { standIn: KmsStandIn; client: KMSClient },
  onCommand: () => void,
): Promise<EncryptionRun> => {
  const label = `enc-${mode}-c${concurrency}-r${roundNo}`;
  const tables = { events: `${label}-events`, views: `${label}-views` };
  await db.createTable(tables.events, eventStoreTable);
  await db.createTable(tables.views, customerViewsTable);
  const service = serviceFor(
    db,
    tables,
    mode === 'plaintext' ? undefined : kms,
    mode === 'encrypted-hashed-only' ? 'off' : 'check',
  );
  const requests = () => kms.standIn.stats().requests;
  const run = randomUUID().slice(0, 8);
  const latencyMs: number[] = [];
  const timed = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    latencyMs.push(performance.now() - started);
    onCommand();
  };
  const meta = { correlationId: 'bench' };
  const customerIds = Array.from({ length: options.customers }, (_, c) => `e${run}-${c}`);
  const inWorkers = async (work: (customerId: string, c: number) => Promise<void>) =>
    Promise.all(
      Array.from({ length: concurrency }, async (_, index) => {
        for (let c = index; c < customerIds.length; c += concurrency) {
          await work(customerIds[c] as string, c);
        }
      }),
    );
  // The process-wide HMAC secret is loaded once per process, before any measured command.
  await service.crypto?.hasher.hash('warm-up@bench.example');
  const started = performance.now();
  // Registrations first, then the email changes, so the KMS calls of each phase are counted
  // apart even with several workers: registrations are cold (a new key), changes are warm.
  const beforeCold = requests();
  await inWorkers((customerId, c) =>
    timed(() =>
      service.commands.execute(
        {
          type: 'RegisterCustomer',
          data: { customerId, email: `${customerId}-0@bench.example`, name: `Bench ${c}` },
        },
        meta,
      ),
    ),
  );
  const beforeWarm = requests();
  const coldKmsCalls = beforeWarm - beforeCold;
  await inWorkers(async (customerId) => {
    for (let k = 1; k <= options.updates; k++) {
      await timed(() =>
        service.commands.execute(
          {
            type: 'UpdateEmail',
            data: { customerId, newEmail: `${customerId}-${k}@bench.example` },
          },
          meta,
        ),
      );
    }
  });
  const warmKmsCalls = requests() - beforeWarm;
  const seconds = (performance.now() - started) / 1000;
  await service.settle();
  await db.deleteTable(tables.events);
  await db.deleteTable(tables.views);
  const commands = options.customers * (1 + options.updates);
  return {
    mode,
    concurrency,
    round: roundNo,
    commands,
    commandsPerSecond: commands / seconds,
    latencyMs,
    warmKmsCalls,
    warmCommands: options.customers * options.updates,
    coldKmsCalls,
  };
};

export const runEncryption = async (
  db: BenchDynamoDB,
  options: BenchOptions,
  progress: Progress,
): Promise<EncryptionResults> => {
  const standIn = await startKmsStandIn();
  const client = new KMSClient(standIn.clientConfig);
  const kms = { standIn, client };
  const rounds = Math.max(options.rounds, 3);
  const runs: EncryptionRun[] = [];
  try {
    for (const concurrency of options.concurrency) {
      const total = rounds * MODES.length * options.customers * (1 + options.updates);
      const phase = progress.phase(`encryption on vs off, ${concurrency} workers`, total);
      for (let r = 0; r < rounds; r++) {
        // Rotate which goes first, so none always runs on a warmer machine.
        const order = MODES.map((_, i) => MODES[(i + r) % MODES.length] as EncryptionMode);
        for (const mode of order) {
          runs.push(await runOnce(db, mode, concurrency, r, options, kms, () => phase.tick()));
        }
      }
      phase.done();
    }
  } finally {
    client.destroy();
    await standIn.stop();
  }
  const rows = options.concurrency.map((concurrency): EncryptionRow => {
    const of = (mode: EncryptionMode) =>
      runs.filter((r) => r.mode === mode && r.concurrency === concurrency);
    const perSecond = (mode: EncryptionMode) => median(of(mode).map((r) => r.commandsPerSecond));
    const latency = (mode: EncryptionMode, p: number) =>
      percentile(
        of(mode).flatMap((r) => r.latencyMs),
        p,
      );
    const encrypted = [...of('encrypted'), ...of('encrypted-hashed-only')];
    const warmCalls = encrypted.reduce((n, r) => n + r.warmKmsCalls, 0);
    const warmCommands = encrypted.reduce((n, r) => n + r.warmCommands, 0);
    const coldCalls = encrypted.reduce((n, r) => n + r.coldKmsCalls, 0);
    return {
      concurrency,
      plaintextPerSecond: round(perSecond('plaintext'), 1),
      encryptedPerSecond: round(perSecond('encrypted'), 1),
      ratio: round(perSecond('encrypted') / perSecond('plaintext'), 3),
      hashedOnlyPerSecond: round(perSecond('encrypted-hashed-only'), 1),
      hashedOnlyRatio: round(perSecond('encrypted-hashed-only') / perSecond('plaintext'), 3),
      hashedOnlyP50Ms: round(latency('encrypted-hashed-only', 50)),
      plaintextP50Ms: round(latency('plaintext', 50)),
      encryptedP50Ms: round(latency('encrypted', 50)),
      plaintextP99Ms: round(latency('plaintext', 99)),
      encryptedP99Ms: round(latency('encrypted', 99)),
      kmsCallsPer1000WarmCommands: round((warmCalls / Math.max(warmCommands, 1)) * 1000, 2),
      kmsCallsPerNewCustomer: round(
        coldCalls / Math.max(encrypted.length * options.customers, 1),
        2,
      ),
    };
  });
  return {
    customers: options.customers,
    updates: options.updates,
    rounds,
    runs: runs.map((r) => ({ ...r, latencyMs: [] })),
    rows,
  };
};

export const renderEncryption = (results: EncryptionResults): string => {
  const lines = [
    `### Encryption on vs off (in-process command path, ${results.customers} customers × (1 register + ${results.updates} email changes), median of ${results.rounds} interleaved rounds)`,
    '',
    '"on" checks and releases the plaintext email claims of before with the hashed ones (`LEGACY_EMAIL_CLAIMS=check`, the default); "on, hashed claims only" is `LEGACY_EMAIL_CLAIMS=off`, for after `npm run encrypt-legacy`.',
    '',
    '| workers | off cmd/s | on cmd/s | on / off (target ≥ 0.9) | on, hashed claims only, cmd/s | hashed only / off | p50 ms off / on / hashed only | p99 ms off / on | KMS calls per 1,000 warm commands | KMS calls per new customer |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of results.rows) {
    lines.push(
      `| ${row.concurrency} | ${row.plaintextPerSecond} | ${row.encryptedPerSecond} | ${row.ratio} | ${row.hashedOnlyPerSecond} | ${row.hashedOnlyRatio} | ${row.plaintextP50Ms} / ${row.encryptedP50Ms} / ${row.hashedOnlyP50Ms} | ${row.plaintextP99Ms} / ${row.encryptedP99Ms} | ${row.kmsCallsPer1000WarmCommands} | ${row.kmsCallsPerNewCustomer} |`,
    );
  }
  return `${lines.join('\n')}\n`;
};
