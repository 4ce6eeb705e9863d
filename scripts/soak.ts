/**
 * `npm run soak`: a bounded load run against `npm start`, then an audit.
 *
 * Starts the service (src/local/main.ts) as a child in its own process group, on a free
 * port with a temporary DATA_DIR, unless SOAK_URL points at a running one (then the audit
 * reads the DynamoDB that AWS_ENDPOINT_URL_DYNAMODB names). For SOAK_SECONDS (180) it starts
 * SOAK_RATE (50) operations a second, open loop: commands (register, update email, suspend,
 * reactivate, each with an Idempotency-Key) and queries (list active, search by email);
 * right after 40% of the accepted commands it reads the customer with `?minVersion=` the
 * answered version, which is both the "get by id" query and the sample of end-to-end
 * projection lag. Then it waits for the pipeline to drain and audits every view.
 *
 * Prints throughput, latency percentiles per route kind, answers by status, projection lag
 * percentiles and the service's resident memory before and after. Exit code 1 when the
 * audit is not clean, any 5xx or dropped connection happened, or events are missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createDocumentClient } from '../src/adapters/dynamodb/document-client.js';
import { DynamoDBEventStore } from '../src/adapters/dynamodb/dynamodb-event-store.js';
import type { AuditReport } from '../src/app/audit.js';
import { readConfig } from '../src/config.js';
import { endpointClientConfig } from '../src/local/local-endpoints.js';
import { auditUntilClean, opsAuditTarget } from '../test/faults/audit.js';
import {
  commandName,
  rssKiB,
  type ServiceProcess,
  serviceMembers,
  startServiceProcess,
} from '../test/faults/service-process.js';

type RouteKind =
  | 'register'
  | 'update-email'
  | 'suspend'
  | 'reactivate'
  | 'get-minVersion'
  | 'list-active'
  | 'search';

interface Customer {
  id: string;
  status: 'ACTIVE' | 'SUSPENDED';
  version: number;
  emails: number;
  busy: boolean;
}

const numberFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const SECONDS = numberFromEnv('SOAK_SECONDS', 180);
const RATE = numberFromEnv('SOAK_RATE', 50);
const MAX_IN_FLIGHT = 256;
const PROBE_SHARE = 0.4;
const DRAIN_TIMEOUT_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const percentile = (sorted: number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(index, 0)] ?? Number.NaN;
};
const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(0)} ms`);

class Stats {
  private readonly latencies = new Map<RouteKind, number[]>();
  private readonly statuses = new Map<RouteKind, Map<string, number>>();
  readonly lags: number[] = [];
  retries = 0;
  skipped = 0;

  record(kind: RouteKind, status: string, latencyMs: number) {
    const list = this.latencies.get(kind) ?? [];
    list.push(latencyMs);
    this.latencies.set(kind, list);
    const counts = this.statuses.get(kind) ?? new Map<string, number>();
    counts.set(status, (counts.get(status) ?? 0) + 1);
    this.statuses.set(kind, counts);
  }

  total(): number {
    let n = 0;
    for (const list of this.latencies.values()) n += list.length;
    return n;
  }

  byStatus(): Map<string, number> {
    const all = new Map<string, number>();
    for (const counts of this.statuses.values())
      for (const [status, n] of counts) all.set(status, (all.get(status) ?? 0) + n);
    return all;
  }

  lines(): string[] {
    const out = ['  route kind       count     p50      p95      p99      max   statuses'];
    for (const [kind, list] of [...this.latencies].sort()) {
      const sorted = [...list].sort((a, b) => a - b);
      const statuses = [...(this.statuses.get(kind) ?? [])]
        .sort()
        .map(([s, n]) => `${s}:${n}`)
        .join(' ');
      out.push(
        `  ${kind.padEnd(15)} ${String(list.length).padStart(6)} ${ms(percentile(sorted, 50)).padStart(8)} ${ms(percentile(sorted, 95)).padStart(8)} ${ms(percentile(sorted, 99)).padStart(8)} ${ms(sorted.at(-1) ?? Number.NaN).padStart(8)}   ${statuses}`,
      );
    }
    return out;
  }
}

const memoryOf = (service: ServiceProcess | undefined): string => {
  if (!service) return 'n/a (SOAK_URL given)';
  return serviceMembers(service)
    .map((pid) => `${commandName(pid)} ${((rssKiB(pid) ?? 0) / 1024).toFixed(0)} MiB`)
    .join(', ');
};

const main = async (): Promise<number> => {
  const config = readConfig();
  let service: ServiceProcess | undefined;
  let dataDir: string | undefined;
  let baseUrl = process.env.SOAK_URL;
  let dynamodbEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  const run = Date.now().toString(36);

  if (!baseUrl) {
    dataDir = await mkdtemp(join(tmpdir(), 'soak-'));
    console.log(`Starting the service (DATA_DIR=${dataDir})...`);
    service = await startServiceProcess({ dataDir });
    baseUrl = service.url;
    dynamodbEndpoint = service.dynamodbEndpoint;
  }
  const url = baseUrl;
  const stats = new Stats();
  const customers: Customer[] = [];
  let acceptedCommands = 0;
  let registered = 0;
  let failed = false;

  try {
    // Let start-up work (JIT, reconciliation) settle before the first memory reading.
    await sleep(2000);
    const memoryBefore = memoryOf(service);
    const loadBefore = loadavg()[0] ?? 0;
    console.log(`Soak: ${RATE} ops/s for ${SECONDS} s against ${url}`);

    const request = async (
      kind: RouteKind,
      method: string,
      path: string,
      options: { body?: unknown; key?: string } = {},
    ): Promise<{ status: number; json: unknown }> => {
      // A command whose answer was lost or was a 503 is retried with its key: the service's
      // exactly-once promise is what makes that safe.
      for (let attempt = 1; ; attempt++) {
        const started = performance.now();
        try {
          const response = await fetch(`${url}${path}`, {
            method,
            headers: {
              ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
              ...(options.key ? { 'idempotency-key': options.key } : {}),
            },
            ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
            signal: AbortSignal.timeout(30_000),
          });
          const text = await response.text();
          stats.record(kind, String(response.status), performance.now() - started);
          if (response.status === 503 && options.key && attempt < 3) {
            stats.retries++;
            await sleep(1000);
            continue;
          }
          return { status: response.status, json: text ? JSON.parse(text) : undefined };
        } catch (error) {
          stats.record(kind, 'dropped', performance.now() - started);
          if (options.key && attempt < 3) {
            stats.retries++;
            await sleep(1000);
            continue;
          }
          return { status: 0, json: { error: String(error) } };
        }
      }
    };

    const versionOf = (json: unknown): number | undefined => {
      const v = (json as { version?: unknown } | undefined)?.version;
      return typeof v === 'number' ? v : undefined;
    };

    /**
     * Reads the customer with `minVersion` until its view reaches `version`; the time taken
     * is the lag. A 409 (the service's wait ran out) is asked again after a pause, so probes
     * of a lagging pipeline do not add to its load; a probe never gives up before the drain.
     */
    const probe = async (id: string, version: number, acceptedAt: number) => {
      for (;;) {
        const r = await request('get-minVersion', 'GET', `/customers/${id}?minVersion=${version}`);
        if (r.status === 200 && (versionOf(r.json) ?? 0) >= version) {
          stats.lags.push(performance.now() - acceptedAt);
          return;
        }
        if (r.status !== 409) return;
        await sleep(1000);
      }
    };

    const probes = new Set<Promise<void>>();
    const afterCommand = (customer: Customer, status: number, json: unknown) => {
      const version = versionOf(json);
      if ((status === 200 || status === 201) && version !== undefined) {
        acceptedCommands++;
        customer.version = Math.max(customer.version, version);
        if (Math.random() < PROBE_SHARE) {
          const p = probe(customer.id, version, performance.now());
          probes.add(p);
          void p.finally(() => probes.delete(p));
        }
        return true;
      }
      return false;
    };

    const pick = (want: (c: Customer) => boolean): Customer | undefined => {
      for (let i = 0; i < 8; i++) {
        const c = customers[Math.floor(Math.random() * customers.length)];
        if (c && !c.busy && want(c)) return c;
      }
      return undefined;
    };

    const register = async () => {
      const n = registered++;
      const id = `soak-${run}-${n}`;
      const customer: Customer = { id, status: 'ACTIVE', version: 0, emails: 0, busy: true };
      const r = await request('register', 'POST', '/customers', {
        body: { customerId: id, email: `${id}@example.com`, name: `Soak ${n}` },
        key: `${id}-register`,
      });
      customer.busy = false;
      if (afterCommand(customer, r.status, r.json)) customers.push(customer);
    };

    const command = async (
      kind: Exclude<RouteKind, 'register' | 'get-minVersion' | 'list-active' | 'search'>,
      customer: Customer,
    ) => {
      customer.busy = true;
      const step = customer.version + 1;
      const key = `${customer.id}-v${step}`;
      try {
        if (kind === 'update-email') {
          customer.emails++;
          const r = await request('update-email', 'PUT', `/customers/${customer.id}/email`, {
            body: { email: `${customer.id}.${customer.emails}@example.com` },
            key,
          });
          afterCommand(customer, r.status, r.json);
        } else if (kind === 'suspend') {
          const r = await request('suspend', 'POST', `/customers/${customer.id}/suspend`, {
            body: { reason: 'soak' },
            key,
          });
          if (afterCommand(customer, r.status, r.json)) customer.status = 'SUSPENDED';
        } else {
          const r = await request('reactivate', 'POST', `/customers/${customer.id}/reactivate`, {
            body: {},
            key,
          });
          if (afterCommand(customer, r.status, r.json)) customer.status = 'ACTIVE';
        }
      } finally {
        customer.busy = false;
      }
    };

    const listActive = async () => {
      await request('list-active', 'GET', '/customers?status=ACTIVE&limit=20');
    };

    /** A command whose customers are all busy becomes a query, so the mix stays as set. */
    const operation = async () => {
      const roll = Math.random();
      if (registered < 20 || roll < 0.15) return register();
      if (roll < 0.3) {
        // Only active customers may change their email (422 otherwise, by design).
        const c = pick((x) => x.status === 'ACTIVE');
        return c ? command('update-email', c) : listActive();
      }
      if (roll < 0.4) {
        const c = pick((x) => x.status === 'ACTIVE');
        return c ? command('suspend', c) : listActive();
      }
      if (roll < 0.5) {
        const c = pick((x) => x.status === 'SUSPENDED');
        return c ? command('reactivate', c) : listActive();
      }
      if (roll < 0.75) return listActive();
      const c = customers[Math.floor(Math.random() * customers.length)];
      const prefix = c ? c.id.slice(0, Math.max(8, c.id.length - 2)) : 'soak-';
      await request('search', 'GET', `/customers/search?email=${encodeURIComponent(prefix)}`);
    };

    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    const end = started + SECONDS * 1000;
    const interval = 1000 / RATE;
    let next = started;
    let lastReport = started;
    while (performance.now() < end) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        stats.skipped++;
      } else {
        const op = operation().catch((error: unknown) => {
          console.error(`operation failed: ${String(error)}`);
          failed = true;
        });
        inFlight.add(op);
        void op.finally(() => inFlight.delete(op));
      }
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        const elapsed = (lastReport - started) / 1000;
        console.log(
          `  ${elapsed.toFixed(0)} s: ${stats.total()} requests, ${customers.length} customers, ${inFlight.size} in flight`,
        );
      }
      next += interval;
      await sleep(Math.max(0, next - performance.now()));
    }
    const loadSeconds = (performance.now() - started) / 1000;
    const requestsDuringLoad = stats.total();
    const drainStarted = performance.now();
    console.log('Load over; waiting for the lag probes, the pipeline to drain, then auditing...');
    // Probes of the last commands wait for the pipeline too: this is part of the drain.
    while (inFlight.size > 0 || probes.size > 0) await Promise.all([...inFlight, ...probes]);

    if (!dynamodbEndpoint)
      throw new Error('Set AWS_ENDPOINT_URL_DYNAMODB to audit the service at SOAK_URL');
    const client = createDocumentClient(
      endpointClientConfig(
        { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint },
        'DYNAMODB',
        'us-east-1',
      ),
    );
    let report: AuditReport;
    let storedEvents = 0;
    let streams = 0;
    try {
      // As `npm run audit:views` would: through the stack's own composition, which decrypts.
      const audited = opsAuditTarget(
        dataDir
          ? { DATA_DIR: dataDir }
          : { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint },
      );
      report = await auditUntilClean(audited, DRAIN_TIMEOUT_MS).finally(() => audited.close());
      const store = new DynamoDBEventStore({ client, tableName: config.COMMAND_TABLE });
      for await (const page of store.listAggregateIds()) {
        for (const id of page) {
          if (!id.startsWith(`soak-${run}-`)) continue;
          streams++;
          storedEvents += (await store.readStream(id)).length;
        }
      }
    } finally {
      client.destroy();
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const memoryAfter = memoryOf(service);

    const statuses = stats.byStatus();
    const serverErrors = [...statuses]
      .filter(([s]) => s === 'dropped' || Number(s) >= 500)
      .reduce((sum, [, n]) => sum + n, 0);
    const lags = [...stats.lags].sort((a, b) => a - b);
    const lines = [
      '',
      `Soak result (${new Date().toISOString()})`,
      `  machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after`,
      `  target rate ${RATE}/s for ${SECONDS} s; ran ${loadSeconds.toFixed(1)} s`,
      `  requests ${requestsDuringLoad} during the load (${(requestsDuringLoad / loadSeconds).toFixed(1)}/s, minVersion re-asks included), ${stats.total()} with the drain; retries ${stats.retries}, skipped (in-flight cap) ${stats.skipped}`,
      `  accepted commands ${acceptedCommands} (${(acceptedCommands / loadSeconds).toFixed(1)}/s), customers ${customers.length}`,
      `  answers by status: ${[...statuses]
        .sort()
        .map(([s, n]) => `${s}: ${n}`)
        .join(', ')}`,
      'Latency per route kind (client side, includes minVersion waits):',
      ...stats.lines(),
      `Projection lag, command answered → view at that version (${lags.length} samples):`,
      `  p50 ${ms(percentile(lags, 50))}, p95 ${ms(percentile(lags, 95))}, p99 ${ms(percentile(lags, 99))}, max ${ms(lags.at(-1) ?? Number.NaN)}`,
      `Drain and audit: ${drainSeconds.toFixed(1)} s; streams ${report.streams}, views ${report.views}, ${Object.entries(
        report.counts,
      )
        .map(([f, n]) => `${f} ${n}`)
        .join(', ')}; ${report.clean ? 'CLEAN' : 'NOT CLEAN'}`,
      `  this run's streams ${streams}, events stored ${storedEvents}, commands accepted ${acceptedCommands}`,
      `Memory (RSS): before ${memoryBefore}; after ${memoryAfter}`,
    ];
    for (const line of lines) console.log(line);
    for (const example of report.examples) console.log(`  ${JSON.stringify(example)}`);

    if (!report.clean) failed = true;
    if (serverErrors > 0) {
      console.log(`FAIL: ${serverErrors} 5xx answers or dropped connections`);
      failed = true;
    }
    // Every accepted command appended one event; none may be missing.
    if (storedEvents !== acceptedCommands || streams !== customers.length) {
      console.log('FAIL: the event store does not hold every accepted command');
      failed = true;
    }
    return failed ? 1 : 0;
  } finally {
    if (service) {
      await service.stop();
      if (serviceMembers(service).length > 0) console.error('the service did not exit');
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
