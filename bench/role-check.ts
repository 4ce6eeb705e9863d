import { randomUUID } from 'node:crypto';
import { customerViewsTable, eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { JoseTokenVerifier } from '../src/adapters/jose/jose-token-verifier.js';
import type { Authenticate } from '../src/app/http/access-guard.js';
import { Service } from '../src/composition/service.js';
import { readConfig } from '../src/config.js';
import { silentLogger } from '../src/core/ports.js';
import { type RunningHttpServer, serveHttp } from '../src/local/http-server.js';
import { devToolToken } from '../src/local/oidc/dev-tool-token.js';
import { type LocalAuth, startLocalAuth } from '../src/local/oidc/local-auth.js';
import { LOCAL_API_AUDIENCE } from '../src/local/oidc/local-identities.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { median, percentile, round, sum } from './stats.js';
import { timedCommands } from './timed-commands.js';

/**
 * The command path over HTTP on loopback with the role check on (`--auth=oidc`: a bearer
 * token of the local issuer verified by jose against the issuer's JWKS on every request,
 * then the route's role) and off (open: the local developer holds every role).
 *
 * Paired as the encryption section: every worker takes each of its customers through both
 * modes in turn (the order rotating per customer), each mode with tables and a server of its
 * own, so both see the same moments of a shared machine. The client fetches one token
 * before the run and reuses it, as a client does until it expires.
 */
export type RoleCheckMode = 'open' | 'oidc';
const MODES: RoleCheckMode[] = ['open', 'oidc'];

export interface RoleCheckRow {
  concurrency: number;
  commandsPerMode: number;
  openPerSecond: number;
  oidcPerSecond: number;
  /** Role check on over off. */
  ratio: number;
  p50Ms: Record<RoleCheckMode, number>;
  p99Ms: Record<RoleCheckMode, number>;
}

export interface RoleCheckResults {
  customers: number;
  updates: number;
  rows: RoleCheckRow[];
  /** The token check alone, in process: microseconds per verification (median of batches). */
  verifyMicroseconds: number;
}

interface ModeTarget {
  server: RunningHttpServer;
  service: Service;
  tables: { events: string; views: string };
  headers: Record<string, string>;
}

const startMode = async (
  db: BenchDynamoDB,
  label: string,
  authenticate: Authenticate | undefined,
  headers: Record<string, string>,
): Promise<ModeTarget> => {
  const tables = { events: `${label}-events`, views: `${label}-views` };
  await db.createTable(tables.events, eventStoreTable);
  await db.createTable(tables.views, customerViewsTable);
  const service = new Service({
    config: readConfig({ COMMAND_TABLE: tables.events, QUERY_TABLE: tables.views }),
    clients: { dynamodb: db.newDocumentClient() },
    logger: silentLogger,
  });
  const server = await serveHttp(
    service.httpApp({ commands: true }, authenticate ? { authenticate } : {}),
    { port: 0 },
  );
  return { server, service, tables, headers };
};

const send = async (
  target: ModeTarget,
  method: string,
  path: string,
  body: unknown,
  expected: number,
) => {
  const response = await fetch(`${target.server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  }
};

const runConcurrency = async (
  db: BenchDynamoDB,
  concurrency: number,
  options: BenchOptions,
  auth: LocalAuth,
  token: string,
  onCommand: () => void,
): Promise<RoleCheckRow> => {
  const run = randomUUID().slice(0, 8);
  const targets: Record<RoleCheckMode, ModeTarget> = {
    open: await startMode(db, `roles-${run}-open-c${concurrency}`, undefined, {}),
    oidc: await startMode(db, `roles-${run}-oidc-c${concurrency}`, auth.authenticate, {
      authorization: `Bearer ${token}`,
    }),
  };
  // One warm-up command each: the verifier reads the discovery document and keys once.
  for (const mode of MODES) {
    const id = `w${run}-${mode}`;
    await send(
      targets[mode],
      'POST',
      '/customers',
      { customerId: id, email: `${id}@bench.example`, name: 'Warm' },
      201,
    );
  }

  const { latencyMs, timed } = timedCommands(MODES, onCommand);
  const customerIds = Array.from({ length: options.customers }, (_, c) => `r${run}-${c}`);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let c = worker; c < customerIds.length; c += concurrency) {
          const customerId = customerIds[c] as string;
          for (let i = 0; i < MODES.length; i++) {
            const mode = MODES[(c + i) % MODES.length] as RoleCheckMode;
            const target = targets[mode];
            const email = (k: number) => `${customerId}-${k}@bench.example`;
            await timed(mode, () =>
              send(
                target,
                'POST',
                '/customers',
                { customerId, email: email(0), name: 'Bench' },
                201,
              ),
            );
            for (let k = 1; k <= options.updates; k++) {
              await timed(mode, () =>
                send(target, 'PUT', `/customers/${customerId}/email`, { email: email(k) }, 200),
              );
            }
          }
        }
      }),
    );
  } finally {
    for (const target of Object.values(targets)) {
      await target.server.close();
      await target.service.settle();
      await db.deleteTable(target.tables.events);
      await db.deleteTable(target.tables.views);
    }
  }
  const of = (mode: RoleCheckMode) => latencyMs[mode];
  const perSecond = (mode: RoleCheckMode) => of(mode).length / (sum(of(mode)) / 1000 / concurrency);
  const byMode = (f: (mode: RoleCheckMode) => number) =>
    Object.fromEntries(MODES.map((m) => [m, round(f(m))])) as Record<RoleCheckMode, number>;
  return {
    concurrency,
    commandsPerMode: of('open').length,
    openPerSecond: round(perSecond('open'), 1),
    oidcPerSecond: round(perSecond('oidc'), 1),
    ratio: round(perSecond('oidc') / perSecond('open'), 3),
    p50Ms: byMode((m) => percentile(of(m), 50)),
    p99Ms: byMode((m) => percentile(of(m), 99)),
  };
};

export const runRoleCheck = async (
  db: BenchDynamoDB,
  options: BenchOptions,
  progress: Progress,
): Promise<RoleCheckResults> => {
  // The issuer on a free port; the console's redirect URIs are not used here.
  const auth = await startLocalAuth({ port: 0, httpPort: 0 });
  const rows: RoleCheckRow[] = [];
  let verifyMicroseconds = Number.NaN;
  try {
    const token = await devToolToken(auth.issuer.issuer, ['customers:write']);
    for (const concurrency of options.concurrency) {
      const total = MODES.length * options.customers * (1 + options.updates);
      const phase = progress.phase(`role check off / on, ${concurrency} workers`, total);
      rows.push(await runConcurrency(db, concurrency, options, auth, token, () => phase.tick()));
      phase.done();
    }
    verifyMicroseconds = await timeVerification(auth.issuer.issuer, token);
  } finally {
    await auth.stop();
  }
  return { customers: options.customers, updates: options.updates, rows, verifyMicroseconds };
};

/** What the check costs without HTTP or DynamoDB around it: batches of verifications. */
const timeVerification = async (issuer: string, token: string): Promise<number> => {
  const verifier = new JoseTokenVerifier({ issuer, audience: LOCAL_API_AUDIENCE });
  await verifier.verify(token);
  const perBatch: number[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const started = performance.now();
    for (let i = 0; i < 200; i++) await verifier.verify(token);
    perBatch.push(((performance.now() - started) * 1000) / 200);
  }
  return round(median(perBatch), 1);
};

export const renderRoleCheck = (results: RoleCheckResults): string => {
  const lines = [
    `### Role check on vs off (HTTP command path on loopback, ${results.customers} customers × (1 register + ${results.updates} email changes) in each mode, paired per customer)`,
    '',
    '"on" is `npm start -- --auth=oidc`: a bearer token of the local issuer verified with jose (RS256, JWKS) on every request, then the route\'s role; "off" is the open local mode.',
    '',
    '| workers | off cmd/s | on cmd/s | on / off | p50 ms off / on | p99 ms off / on |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of results.rows) {
    lines.push(
      `| ${row.concurrency} | ${row.openPerSecond} | ${row.oidcPerSecond} | ${row.ratio} | ${row.p50Ms.open} / ${row.p50Ms.oidc} | ${row.p99Ms.open} / ${row.p99Ms.oidc} |`,
    );
  }
  lines.push(
    '',
    `The token check alone (jose, RS256, keys cached), in process: ${results.verifyMicroseconds} µs per verification.`,
  );
  return `${lines.join('\n')}\n`;
};
