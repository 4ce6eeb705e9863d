import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import { DynamoDBProxy, type ProxyTally } from './dynamodb-proxy.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import {
  cpuMicros,
  rssMiB,
  type ServerProcess,
  startRawServer,
  startServiceProcess,
} from './service-processes.js';
import { median, percentile, round } from './stats.js';
import { timedCommands } from './timed-commands.js';

/**
 * The whole service against hand-written servers, each in a process of its own, all on
 * one DynamoDB Local (behind a counting proxy), over HTTP with keep-alive:
 */
export const SERVICE_TARGETS = {
  raw: 'raw node:http + SDK: Query + conditional PutItem, no guarantees',
  'raw-guarded':
    '(a) raw node:http + SDK with our guarantees: Query + TransactWriteItems (event, email claim, release; idempotency record when a key is sent)',
  'raw-late-release':
    'raw-guarded, but the old claim deleted after the transaction, in a DeleteItem of its own',
  'no-pipeline-nocache': '(b) npm start -- --no-pipeline with AGGREGATE_CACHE_SIZE=0',
  'no-pipeline': '(b) npm start -- --no-pipeline (aggregate cache on)',
  'no-pipeline-hashed-claims':
    '(b) with LEGACY_EMAIL_CLAIMS=off: a claim is its hashed form only, no check of a plaintext one',
  'npm-start': '(c) npm start: command API with the pipeline on',
} as const;
export type ServiceTarget = keyof typeof SERVICE_TARGETS;
const ALL = Object.keys(SERVICE_TARGETS) as ServiceTarget[];

export const selectServiceTargets = (wanted: string[]): ServiceTarget[] => {
  if (wanted.includes('all')) return ALL;
  for (const name of wanted) {
    if (!ALL.includes(name as ServiceTarget)) {
      throw new Error(`Unknown service target "${name}"; targets are ${ALL.join(', ')}`);
    }
  }
  return ALL.filter((t) => wanted.includes(t));
};

type CommandType = 'RegisterCustomer' | 'UpdateEmail';
const WARM_CUSTOMERS = 10;

interface Run {
  target: ServiceTarget;
  concurrency: number;
  round: number;
  /** Position of the target in this round's order (0 = first). */
  position: number;
  commands: number;
  commandsPerSecond: number;
  latencyMs: Record<CommandType, number[]>;
  calls: ProxyTally;
  javaMicros: number;
  serverMicros: number;
  /** Time until every view showed the last version (pipeline on), after the last answer. */
  drainSeconds?: number;
  viewsBehind?: number;
  serverRssMiB: number;
  javaRssMiB: number;
}

interface IdleSample {
  target: ServiceTarget;
  round: number;
  seconds: number;
  serverCpuPercent: number;
  javaCpuPercent: number;
  callsPerSecond: Record<string, number>;
}

const send = async (url: string, method: string, body: unknown, expected: number) => {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) {
    throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  }
};

/** Customers split over `concurrency` workers: register, then `updates` email changes each. */
const workload = async (
  server: ServerProcess,
  prefix: string,
  customers: number,
  concurrency: number,
  updates: number,
  onCommand: () => void,
) => {
  const { latencyMs, timed } = timedCommands<CommandType>(
    ['RegisterCustomer', 'UpdateEmail'],
    onCommand,
  );
  const ids: string[] = [];
  const worker = async (index: number) => {
    for (let c = index; c < customers; c += concurrency) {
      const id = `${prefix}-${c}`;
      ids.push(id);
      await timed('RegisterCustomer', () =>
        send(
          `${server.url}/customers`,
          'POST',
          { customerId: id, email: `${id}-0@bench.example`, name: `Customer ${c}` },
          201,
        ),
      );
      for (let k = 1; k <= updates; k++) {
        await timed('UpdateEmail', () =>
          send(
            `${server.url}/customers/${id}/email`,
            'PUT',
            { email: `${id}-${k}@bench.example` },
            200,
          ),
        );
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  return { seconds: (performance.now() - started) / 1000, latencyMs, ids };
};

/** Polls the read model until every customer shows `version`; the views still behind. */
const waitForViews = async (server: ServerProcess, ids: string[], version: number) => {
  const started = performance.now();
  let behind = ids;
  while (behind.length > 0 && performance.now() - started < 120_000) {
    const stillBehind: string[] = [];
    for (const id of behind) {
      const response = await fetch(`${server.url}/customers/${id}`);
      const view = response.ok ? ((await response.json()) as { version?: number }) : undefined;
      if ((view?.version ?? 0) < version) stillBehind.push(id);
    }
    behind = stillBehind;
    if (behind.length > 0) await sleep(100);
  }
  return { seconds: (performance.now() - started) / 1000, behind: behind.length };
};

const isService = (target: ServiceTarget) => !target.startsWith('raw');

export interface ServiceRow {
  target: ServiceTarget;
  description: string;
  concurrency: number;
  commandsPerSecond: number;
  commandsPerSecondByRound: number[];
  p50Ms: number;
  p99Ms: number;
  /** DynamoDB calls per command, by operation, the pipeline's included. */
  callsPerCommand: Record<string, number>;
  /** Round-trip time through DynamoDB Local per command, by operation (ms). */
  dynamodbMsPerCommand: Record<string, number>;
  javaMicrosPerCommand: number;
  serverMicrosPerCommand: number;
  /** 1 − loads per command: commands decided without a `Query`. */
  commandsWithoutLoad: number;
  drainSeconds?: number;
  viewsBehind?: number;
  serverRssMiB: number;
  javaRssMiB: number;
}

export interface ServiceResult {
  workload: { customers: number; updates: number; rounds: number; concurrency: number[] };
  orders: ServiceTarget[][];
  rows: ServiceRow[];
  idle: IdleSample[];
  ratios: Array<{ name: string; concurrency: number; value: number; byRound: number[] }>;
}

const perCommand = (record: Record<string, number>, commands: number) =>
  Object.fromEntries(
    Object.entries(record)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, round(v / commands, 3)]),
  );

const sumTallies = (tallies: ProxyTally[]): ProxyTally => {
  const total: ProxyTally = { calls: {}, milliseconds: {} };
  for (const t of tallies) {
    for (const [op, n] of Object.entries(t.calls)) total.calls[op] = (total.calls[op] ?? 0) + n;
    for (const [op, n] of Object.entries(t.milliseconds)) {
      total.milliseconds[op] = (total.milliseconds[op] ?? 0) + n;
    }
  }
  return total;
};

export const runWholeService = async (
  withDynamoDB: <T>(work: (db: BenchDynamoDB) => Promise<T>) => Promise<T>,
  options: BenchOptions,
  progress: Progress,
): Promise<ServiceResult> => {
  const targets = selectServiceTargets(options.serviceTargets);
  const runs: Run[] = [];
  const idle: IdleSample[] = [];
  const orders: ServiceTarget[][] = [];
  const perTarget =
    (options.customers * options.concurrency.length + WARM_CUSTOMERS) * (1 + options.updates);
  const phase = progress.phase('whole service', perTarget * targets.length * options.rounds);
  // Every round on a DynamoDB Local of its own, shared by all of that round's servers; the
  // order rotates each round, since DynamoDB Local slows as it fills and whatever ran last
  // would carry that drift. (One instance for all rounds slowed to a crawl by the second.)
  const oneRound = async (
    db: BenchDynamoDB,
    roundNo: number,
    order: ServiceTarget[],
    firstPosition: number,
  ) => {
    const proxy = new DynamoDBProxy(new URL(db.local.endpoint));
    const endpoint = await proxy.start();
    const javaPid = db.local.pid;
    try {
      for (const [index, target] of order.entries()) {
        const position = firstPosition + index;
        const tag = `${target}-r${roundNo}-${randomUUID().slice(0, 6)}`.replace(
          /[^A-Za-z0-9-]/g,
          '-',
        );
        const tables = { events: `ws-ev-${tag}`, views: `ws-vw-${tag}` };
        proxy.label = `start:${tag}`;
        let server: ServerProcess;
        if (isService(target)) {
          server = await startServiceProcess({
            dynamodbEndpoint: endpoint,
            tables,
            pipeline: target === 'npm-start',
            ...(options.profileDir
              ? { profileDir: `${options.profileDir}/${target}-r${roundNo}` }
              : {}),
            ...(target === 'no-pipeline-nocache' ? { env: { AGGREGATE_CACHE_SIZE: '0' } } : {}),
            ...(target === 'no-pipeline-hashed-claims'
              ? { env: { LEGACY_EMAIL_CLAIMS: 'off' } }
              : {}),
          });
        } else {
          await db.createTable(tables.events, eventStoreTable);
          server = await startRawServer(
            endpoint,
            tables.events,
            target === 'raw' ? 'raw' : target === 'raw-guarded' ? 'guarded' : 'late-release',
            options.profileDir ? `${options.profileDir}/${target}-r${roundNo}` : undefined,
          );
        }
        try {
          proxy.label = `warm:${tag}`;
          await workload(server, `warm-${tag}`, WARM_CUSTOMERS, 4, options.updates, () =>
            phase.tick(),
          );
          for (const concurrency of options.concurrency) {
            const label = `${tag}-c${concurrency}`;
            proxy.label = label;
            const java0 = cpuMicros(javaPid);
            const server0 = cpuMicros(server.pid);
            const done = await workload(
              server,
              label,
              options.customers,
              concurrency,
              options.updates,
              () => phase.tick(),
            );
            const javaMicros = cpuMicros(javaPid) - java0;
            const serverMicros = cpuMicros(server.pid) - server0;
            const calls = proxy.tally(label);
            let drain: { seconds: number; behind: number } | undefined;
            if (target === 'npm-start') {
              // Let the pipeline catch up before the next level, so it does not run into it.
              proxy.label = `drain:${label}`;
              drain = await waitForViews(server, done.ids, 1 + options.updates);
            }
            const commands = options.customers * (1 + options.updates);
            runs.push({
              target,
              concurrency,
              round: roundNo,
              position,
              commands,
              commandsPerSecond: commands / done.seconds,
              latencyMs: done.latencyMs,
              calls,
              javaMicros,
              serverMicros,
              ...(drain ? { drainSeconds: drain.seconds, viewsBehind: drain.behind } : {}),
              serverRssMiB: rssMiB(server.pid),
              javaRssMiB: rssMiB(javaPid),
            });
          }
          if (isService(target)) {
            // What the server costs when nobody calls it: the pipeline's pollers, if on.
            const seconds = 5;
            proxy.label = `idle:${tag}`;
            const java0 = cpuMicros(javaPid);
            const server0 = cpuMicros(server.pid);
            await sleep(seconds * 1000);
            const calls = proxy.tally(`idle:${tag}`).calls;
            idle.push({
              target,
              round: roundNo,
              seconds,
              serverCpuPercent: round(
                ((cpuMicros(server.pid) - server0) / (seconds * 1e6)) * 100,
                2,
              ),
              javaCpuPercent: round(((cpuMicros(javaPid) - java0) / (seconds * 1e6)) * 100, 2),
              callsPerSecond: Object.fromEntries(
                Object.entries(calls).map(([op, n]) => [op, round(n / seconds, 2)]),
              ),
            });
          }
        } finally {
          proxy.label = 'stop';
          await server.stop();
        }
        await db.deleteTable(tables.events);
        await db.deleteTable(tables.views);
      }
    } finally {
      await proxy.stop();
    }
  };
  try {
    for (let roundNo = 1; roundNo <= options.rounds; roundNo++) {
      const shift = (roundNo - 1) % targets.length;
      const order = [...targets.slice(shift), ...targets.slice(0, shift)];
      orders.push(order);
      if (options.serviceFreshDynamoDB) {
        // Every target on a DynamoDB Local of its own, as the command-path section does.
        for (const [position, target] of order.entries()) {
          await withDynamoDB((db) => oneRound(db, roundNo, [target], position));
        }
      } else {
        await withDynamoDB((db) => oneRound(db, roundNo, order, 0));
      }
    }
  } finally {
    phase.done();
  }

  const rows: ServiceRow[] = [];
  for (const concurrency of options.concurrency) {
    for (const target of targets) {
      const of = runs.filter((r) => r.target === target && r.concurrency === concurrency);
      const commands = of.reduce((n, r) => n + r.commands, 0);
      const all = of.flatMap((r) => [...r.latencyMs.RegisterCustomer, ...r.latencyMs.UpdateEmail]);
      const calls = sumTallies(of.map((r) => r.calls));
      const drains = of.flatMap((r) => (r.drainSeconds === undefined ? [] : [r.drainSeconds]));
      rows.push({
        target,
        description: SERVICE_TARGETS[target],
        concurrency,
        commandsPerSecond: round(median(of.map((r) => r.commandsPerSecond)), 1),
        commandsPerSecondByRound: of.map((r) => round(r.commandsPerSecond, 1)),
        p50Ms: round(percentile(all, 50)),
        p99Ms: round(percentile(all, 99)),
        callsPerCommand: perCommand(calls.calls, commands),
        dynamodbMsPerCommand: perCommand(calls.milliseconds, commands),
        javaMicrosPerCommand: Math.round(of.reduce((n, r) => n + r.javaMicros, 0) / commands),
        serverMicrosPerCommand: Math.round(of.reduce((n, r) => n + r.serverMicros, 0) / commands),
        commandsWithoutLoad: round(1 - (calls.calls.Query ?? 0) / commands, 3),
        ...(drains.length > 0
          ? {
              drainSeconds: round(median(drains), 2),
              viewsBehind: of.reduce((n, r) => n + (r.viewsBehind ?? 0), 0),
            }
          : {}),
        serverRssMiB: round(Math.max(...of.map((r) => r.serverRssMiB)), 1),
        javaRssMiB: round(Math.max(...of.map((r) => r.javaRssMiB)), 1),
      });
    }
  }

  const ratios: ServiceResult['ratios'] = [];
  const pairs: Array<[string, ServiceTarget, ServiceTarget]> = [
    ['(b) ÷ (a): no-pipeline ÷ raw-guarded', 'no-pipeline', 'raw-guarded'],
    ['(b) without cache ÷ (a)', 'no-pipeline-nocache', 'raw-guarded'],
    ['(b) hashed claims only ÷ (a)', 'no-pipeline-hashed-claims', 'raw-guarded'],
    ['(c) ÷ (b): npm start ÷ no-pipeline', 'npm-start', 'no-pipeline'],
    ['(c) ÷ (a): npm start ÷ raw-guarded', 'npm-start', 'raw-guarded'],
    ['npm start ÷ raw', 'npm-start', 'raw'],
    ['(a) ÷ raw: raw-guarded ÷ raw', 'raw-guarded', 'raw'],
    ['late release ÷ raw-guarded', 'raw-late-release', 'raw-guarded'],
  ];
  for (const concurrency of options.concurrency) {
    for (const [name, top, bottom] of pairs) {
      if (!targets.includes(top) || !targets.includes(bottom)) continue;
      const cps = (target: ServiceTarget, roundNo?: number) =>
        runs
          .filter(
            (r) =>
              r.target === target &&
              r.concurrency === concurrency &&
              (roundNo === undefined || r.round === roundNo),
          )
          .map((r) => r.commandsPerSecond);
      ratios.push({
        name,
        concurrency,
        value: round(median(cps(top)) / median(cps(bottom)), 3),
        byRound: Array.from({ length: options.rounds }, (_, i) =>
          round(median(cps(top, i + 1)) / median(cps(bottom, i + 1)), 3),
        ),
      });
    }
  }
  return {
    workload: {
      customers: options.customers,
      updates: options.updates,
      rounds: options.rounds,
      concurrency: options.concurrency,
    },
    orders,
    rows,
    idle,
    ratios,
  };
};

const table = (header: string[], lines: Array<Array<string | number>>) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...lines.map((l) => `| ${l.join(' | ')} |`),
  ].join('\n');

const ops = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');

export const renderWholeService = (result: ServiceResult): string => {
  const { workload: w } = result;
  return [
    `#### Whole service (${w.customers} customers × (1 register + ${w.updates} UpdateEmail), ${w.rounds} round(s), orders ${result.orders.map((o) => o.join(' → ')).join(' | ')})`,
    '',
    table(
      ['ratio', 'concurrency', 'median of rounds', 'per round'],
      result.ratios.map((r) => [r.name, r.concurrency, `${r.value}×`, r.byRound.join(', ')]),
    ),
    '',
    table(
      [
        'workers',
        'target',
        'commands/s (rounds)',
        'p50 / p99 ms',
        'DynamoDB calls per command',
        'DynamoDB ms per command',
        'DynamoDB Local CPU µs/command',
        'server CPU µs/command',
        'decided without a load',
        'views current after',
        'RSS node / java MiB',
      ],
      result.rows.map((r) => [
        r.concurrency,
        r.target,
        `${r.commandsPerSecond} (${r.commandsPerSecondByRound.join(', ')})`,
        `${r.p50Ms} / ${r.p99Ms}`,
        ops(r.callsPerCommand),
        ops(r.dynamodbMsPerCommand),
        r.javaMicrosPerCommand,
        r.serverMicrosPerCommand,
        r.commandsWithoutLoad,
        r.drainSeconds === undefined ? '' : `${r.drainSeconds} s (${r.viewsBehind} behind)`,
        `${r.serverRssMiB} / ${r.javaRssMiB}`,
      ]),
    ),
    '',
    table(
      ['idle target', 'round', 'seconds', 'server CPU %', 'DynamoDB Local CPU %', 'calls/s'],
      result.idle.map((i) => [
        i.target,
        i.round,
        i.seconds,
        i.serverCpuPercent,
        i.javaCpuPercent,
        ops(i.callsPerSecond) || 'none',
      ]),
    ),
  ].join('\n');
};
