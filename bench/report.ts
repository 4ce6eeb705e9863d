import type { AggregateLoadingResult } from './aggregate-loading.js';
import type { ColdStartResult } from './cold-start.js';
import type { CommandPathResult, CommandPathRow, TargetName } from './command-path.js';
import type { CostResults } from './cost.js';
import type { EncryptionResults } from './encryption.js';
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';
import type { ProjectionResult } from './projection.js';
import { type ProjectorBatchResult, renderProjectorBatches } from './projector-batches.js';
import type { ReconcilerScaleResults } from './reconciler-scale.js';
import type { RegistryCostResults } from './registry-cost.js';
import type { RoleCheckResults } from './role-check.js';
import { round } from './stats.js';
import type { ViewQueryResults } from './view-queries.js';
import { renderWholeService, type ServiceResult } from './whole-service.js';

export interface BenchResults {
  machine: MachineInfo;
  loadAverageAtEnd: number;
  durationSeconds: number;
  options: Omit<BenchOptions, 'sections'> & { sections: string[] };
  commandPath?: CommandPathResult;
  aggregateLoading?: AggregateLoadingResult;
  projection?: ProjectionResult;
  coldStart?: ColdStartResult;
  wholeService?: ServiceResult;
  projectorBatches?: ProjectorBatchResult;
  encryption?: EncryptionResults;
  roleCheck?: RoleCheckResults;
  cost?: CostResults;
  reconciler?: ReconcilerScaleResults;
  viewQueries?: ViewQueryResults;
  registryCost?: RegistryCostResults;
  targets: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

const table = (header: string[], rows: (string | number)[][]): string =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

const ops = (byOperation: Record<string, number>) =>
  Object.entries(byOperation)
    .map(([op, n]) => (n === 1 ? op : `${n}× ${op}`))
    .join(' + ') || '-';

const pct = (value: number) => `${value >= 0 ? '+' : ''}${round(value * 100, 1)}%`;

/** Checks each target of issue 5 against the figures of this run. */
export const checkTargets = (
  results: Pick<BenchResults, 'commandPath' | 'aggregateLoading' | 'projection' | 'coldStart'>,
): TargetCheck[] => {
  const checks: TargetCheck[] = [];
  const command = results.commandPath;
  if (command) {
    const top = Math.max(...command.workload.concurrency);
    const row = (target: TargetName) =>
      command.rows.find((r) => r.target === target && r.concurrency === top);
    const raw = row('raw');
    for (const target of ['service', 'service+key'] as const) {
      const r = row(target);
      if (!r || !raw) continue;
      checks.push({
        target: `${target} ≥ 0.9× raw commands/s at concurrency ${top}`,
        measured: `${r.commandsPerSecond} vs ${raw.commandsPerSecond} commands/s = ${r.ratioToRaw}×`,
        met: r.ratioToRaw >= 0.9,
      });
      const u = r.perCommand.UpdateEmail;
      const b = raw.perCommand.UpdateEmail;
      checks.push({
        target: `${target}: same DynamoDB calls per UpdateEmail as raw (one read, one write)`,
        measured: `${ops(u.callsByOperation)} vs ${ops(b.callsByOperation)}; ${u.readUnits} RCU + ${u.writeUnits} WCU vs ${b.readUnits} + ${b.writeUnits}`,
        met: u.calls === b.calls,
      });
    }
    for (const [http, inProcess] of [
      ['http', 'service'],
      ['http+key', 'service+key'],
    ] as const) {
      const h = row(http);
      const s = row(inProcess);
      if (!h || !s) continue;
      // Time per command over the in-process time per command, at the same concurrency.
      const overhead = s.commandsPerSecond / h.commandsPerSecond - 1;
      checks.push({
        target: `${http} adds ≤ 15% over ${inProcess} (time per command, concurrency ${top})`,
        measured: `${h.commandsPerSecond} vs ${s.commandsPerSecond} commands/s: ${pct(overhead)}`,
        met: overhead <= 0.15,
      });
    }
  }
  const load = results.aggregateLoading;
  if (load) {
    checks.push({
      target: 'largest stream with snapshots loads within 2× of the 10-event stream',
      measured: `${load.largestWithSnapshotOverSmallest}×`,
      met: load.largestWithSnapshotOverSmallest <= 2,
    });
    const schema = load.schemaVersions;
    checks.push({
      target: `a ${schema.events}-event stream stored in v1 loads within 1.1× of the latest version`,
      measured: `${schema.v1OverLatest}× (${schema.v1MedianMs} ms against ${schema.latestMedianMs} ms; fold alone ${schema.foldOnlyV1Us} µs against ${schema.foldOnlyLatestUs} µs)`,
      met: schema.v1OverLatest <= 1.1,
    });
  }
  const lag = results.projection?.lag;
  const sustainable = results.projection?.sustainableLag;
  if (sustainable) {
    checks.push({
      target: `(context) projection lag p99 at a rate this machine sustains`,
      measured: `p99 ${sustainable.lagP99Ms} ms (p50 ${sustainable.lagP50Ms} ms) at ${sustainable.achievedRate} commands/s`,
      met: sustainable.lagP99Ms < 1000,
    });
  }
  if (lag) {
    checks.push({
      target: `projection lag p99 < 1 s at ${lag.targetRate} commands/s`,
      measured: `p99 ${lag.lagP99Ms} ms (p50 ${lag.lagP50Ms} ms) at ${lag.achievedRate} commands/s achieved, ${lag.missing} missing`,
      met:
        lag.lagP99Ms < 1000 &&
        lag.achievedRate >= 0.95 * lag.targetRate &&
        lag.missing === 0 &&
        lag.readModelMismatches === 0,
    });
  }
  const cold = results.coldStart;
  if (cold) {
    for (const row of cold.rows) {
      checks.push({
        target: `${row.handler}: bundle < ${cold.budgetBytes / 1024} KiB, import < 150 ms`,
        measured: `${round(row.bundleBytes / 1024, 1)} KiB, import ${row.importMedianMs} ms`,
        met:
          row.bundleBytes < cold.budgetBytes &&
          row.importMedianMs < 150 &&
          row.awsConnectionsDuringImport === 0,
      });
    }
  }
  return checks;
};

const commandTable = (result: CommandPathResult): string => {
  const line = (r: CommandPathRow) => {
    const u = r.perCommand.UpdateEmail;
    const reg = r.perCommand.RegisterCustomer;
    return [
      r.concurrency,
      `${r.target}`,
      r.commandsPerSecond,
      `${r.ratioToRaw}×`,
      `${r.p50Ms} / ${r.p99Ms}`,
      `${r.updateEmailP50Ms} / ${r.updateEmailP99Ms}`,
      ops(u.callsByOperation),
      `${u.readUnits} / ${u.writeUnits}`,
      ops(reg.callsByOperation),
      `${reg.readUnits} / ${reg.writeUnits}`,
    ];
  };
  return table(
    [
      'workers',
      'target',
      'commands/s',
      '× raw',
      'p50 / p99 ms',
      'UpdateEmail p50 / p99 ms',
      'calls per UpdateEmail',
      'RCU / WCU per UpdateEmail',
      'calls per Register',
      'RCU / WCU per Register',
    ],
    result.rows.map(line),
  );
};

const loadTable = (result: AggregateLoadingResult): string => {
  const sizes = [...new Set(result.rows.map((r) => r.events))];
  const cell = (events: number, snapshot: string) => {
    const r = result.rows.find((x) => x.events === events && x.snapshot === snapshot);
    if (!r) return '-';
    const at = r.snapshotVersion > 0 ? `, snapshot @${r.snapshotVersion}` : '';
    return `${r.medianMs} ms (${r.callsPerLoad} calls, ${r.readUnitsPerLoad} RCU${at})`;
  };
  return table(
    [
      'events',
      'no snapshot',
      `snapshot, ${result.snapshotEvery - 1} events after it (worst)`,
      'snapshot at the head (best)',
    ],
    sizes.map((n) => [n, cell(n, 'none'), cell(n, 'snapshot-worst'), cell(n, 'snapshot-best')]),
  );
};

const projectionTables = (result: ProjectionResult): string => {
  const throughput = table(
    [
      'projector workers',
      'events',
      'events/s visible',
      'messages/s acknowledged',
      'DynamoDB calls per event',
    ],
    result.throughput.map((r) => [
      r.projectorConcurrency,
      r.events,
      r.eventsPerSecond,
      r.messagesPerSecond,
      r.dynamoCallsPerEvent,
    ]),
  );
  const lags = [result.lag, ...(result.sustainableLag ? [result.sustainableLag] : [])];
  const lag = table(
    [
      'target rate',
      'achieved',
      'commands (skipped)',
      'projector workers',
      'command p50 / p99 ms',
      'lag p50 / p99 / max ms',
      'missing',
      'read-model mismatches',
    ],
    lags.map((l) => [
      l.targetRate,
      l.achievedRate,
      `${l.commands} (${l.skipped})`,
      l.projectorConcurrency,
      `${l.commandP50Ms} / ${l.commandP99Ms}`,
      `${l.lagP50Ms} / ${l.lagP99Ms} / ${l.lagMaxMs}`,
      l.missing,
      l.readModelMismatches,
    ]),
  );
  return `${throughput}\n\n${lag}`;
};

const coldTable = (result: ColdStartResult): string =>
  table(
    [
      'handler',
      'bundle KiB (SDK external)',
      'self-contained KiB',
      `import median ms (min–max, ${result.runs} runs)`,
      'self-contained import median ms',
      'process start → handler ms',
      'AWS connections at import',
    ],
    result.rows.map((r) => [
      r.handler,
      round(r.bundleBytes / 1024, 1),
      round(r.selfContainedBytes / 1024, 1),
      `${r.importMedianMs} (${r.importMinMs}–${r.importMaxMs})`,
      r.selfContainedImportMedianMs,
      r.processToHandlerMedianMs,
      r.awsConnectionsDuringImport,
    ]),
  );

export const renderMarkdown = (results: BenchResults): string => {
  const m = results.machine;
  const parts = [
    `## Benchmark results, ${m.date.slice(0, 10)}`,
    '',
    `${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; ` +
      `load average ${m.loadAverageAtStart} at start, ${results.loadAverageAtEnd} at end; ` +
      `${results.durationSeconds} s.`,
  ];
  if (results.commandPath) {
    const w = results.commandPath.workload;
    parts.push(
      '',
      `### Command path (${w.customers} customers × (1 register + ${w.updates} UpdateEmail), ${w.rounds} round(s))`,
      '',
      commandTable(results.commandPath),
    );
  }
  if (results.aggregateLoading) {
    parts.push(
      '',
      `### Aggregate loading (load + fold, median of ${results.aggregateLoading.repeats})`,
      '',
      loadTable(results.aggregateLoading),
    );
  }
  if (results.projection) {
    parts.push('', '### Projection (local runtime)', '', projectionTables(results.projection));
  }
  if (results.coldStart) parts.push('', '### Cold start', '', coldTable(results.coldStart));
  if (results.wholeService) parts.push('', renderWholeService(results.wholeService));
  if (results.projectorBatches) parts.push('', renderProjectorBatches(results.projectorBatches));
  if (results.targets.length > 0) {
    parts.push(
      '',
      '### Targets',
      '',
      table(
        ['target', 'measured', 'met'],
        results.targets.map((t) => [t.target, t.measured, t.met ? 'met' : '**missed**']),
      ),
    );
  }
  return `${parts.join('\n')}\n`;
};
