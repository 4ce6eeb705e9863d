import { runAggregateLoading } from './aggregate-loading.js';
import { type BenchDynamoDB, startBenchDynamoDB } from './bench-dynamodb.js';
import { runColdStart } from './cold-start.js';
import { runCommandPath } from './command-path.js';
import { renderCost, runCost } from './cost.js';
import { renderEncryption, runEncryption } from './encryption.js';
import type { BenchOptions, Section } from './options.js';
import type { Progress } from './progress.js';
import { runProjection } from './projection.js';
import { runProjectorBatches } from './projector-batches.js';
import { renderReconcilerScale, runReconcilerScale } from './reconciler-scale.js';
import { renderRegistryCost, runRegistryCost } from './registry-cost.js';
import { type BenchResults, renderMarkdown } from './report.js';
import { renderRoleCheck, runRoleCheck } from './role-check.js';
import { renderViewQueries, runViewQueries } from './view-queries.js';
import { runWholeService } from './whole-service.js';

/** What the sections add to a run's results. */
export type SectionResults = Omit<
  BenchResults,
  'machine' | 'loadAverageAtEnd' | 'durationSeconds' | 'options' | 'targets'
>;

export interface SectionContext {
  options: BenchOptions;
  progress: Progress;
  /** A fresh DynamoDB Local for `work`, stopped after it. */
  withDynamoDB: <T>(work: (db: BenchDynamoDB) => Promise<T>) => Promise<T>;
}

export interface BenchSection {
  run(context: SectionContext): Promise<Partial<SectionResults>>;
  /** Rows of figures the section produced (the smoke run checks there are some). */
  rows(results: Partial<SectionResults>): number;
}

/**
 * Every section of `npm run bench`, in the order they run. Typed by `SECTIONS`, so a section
 * named there has an entry here, and the smoke run (`test/bench`) runs it.
 */
export const BENCH_SECTIONS: Record<Section, BenchSection> = {
  command: {
    run: async ({ withDynamoDB, options, progress }) => ({
      commandPath: await runCommandPath(withDynamoDB, options, progress),
    }),
    rows: (r) => r.commandPath?.rows.length ?? 0,
  },
  load: {
    run: async ({ withDynamoDB, options, progress }) => ({
      aggregateLoading: await withDynamoDB((db) => runAggregateLoading(db, options, progress)),
    }),
    rows: (r) => r.aggregateLoading?.rows.length ?? 0,
  },
  projection: {
    run: async ({ withDynamoDB, options, progress }) => ({
      projection: await runProjection(withDynamoDB, options, progress),
      // The projector's store reads and events/s, before and after notifications, in one run.
      projectorBatches: await withDynamoDB((db) =>
        runProjectorBatches(db, { customers: Math.min(options.customers, 100) }),
      ),
    }),
    // Rows of both tables: a missing table counts as none.
    rows: (r) =>
      Math.min(r.projection?.throughput.length ?? 0, r.projectorBatches?.paths.length ?? 0),
  },
  cold: {
    run: async ({ options, progress }) => ({ coldStart: await runColdStart(options, progress) }),
    rows: (r) => r.coldStart?.rows.length ?? 0,
  },
  // Encryption on vs off, in the same run (docs/benchmarks.md, docs/privacy.md).
  encryption: {
    run: async ({ withDynamoDB, options, progress }) => ({
      encryption: await withDynamoDB((db) => runEncryption(db, options, progress)),
    }),
    rows: (r) => r.encryption?.rows.length ?? 0,
  },
  // The command path with the role check on (bearer tokens, jose) vs off, in the same run.
  access: {
    run: async ({ withDynamoDB, options, progress }) => ({
      roleCheck: await withDynamoDB((db) => runRoleCheck(db, options, progress)),
    }),
    rows: (r) => r.roleCheck?.rows.length ?? 0,
  },
  // Cost per million commands, plaintext claims checked vs hashed only, in the same run.
  cost: {
    run: async ({ withDynamoDB, options, progress }) => ({
      cost: await withDynamoDB((db) => runCost(db, options, progress)),
    }),
    rows: (r) => r.cost?.rows.length ?? 0,
  },
  // The reconciler's own cost with many changed streams (ports in memory, no DynamoDB).
  reconciler: {
    run: async ({ options, progress }) => ({
      reconciler: await runReconcilerScale(options.reconcilerStreams, progress),
    }),
    rows: (r) => r.reconciler?.rows.length ?? 0,
  },
  // The read model's lists, write-sharded vs the first deployment's single keys, in one run.
  views: {
    run: async ({ withDynamoDB, options, progress }) => ({
      viewQueries: await withDynamoDB((db) => runViewQueries(db, options, progress)),
    }),
    rows: (r) => r.viewQueries?.rows.length ?? 0,
  },
  // The command path and the projector before modules and through the registry, in one run.
  registry: {
    run: async ({ options, progress }) => ({
      registryCost: await runRegistryCost(options, progress),
    }),
    rows: (r) => r.registryCost?.rows.length ?? 0,
  },
  // One DynamoDB Local per round for every server of the round; the order rotates.
  service: {
    run: async ({ withDynamoDB, options, progress }) => ({
      wholeService: await runWholeService(withDynamoDB, options, progress),
    }),
    rows: (r) => r.wholeService?.rows.length ?? 0,
  },
};

/** The run's DynamoDB Local, if one is up: stopped on Ctrl-C so no Java process is left. */
export interface RunningDynamoDB {
  current?: BenchDynamoDB;
}

/**
 * Runs the chosen sections in the registry's order. Each measurement gets a fresh DynamoDB
 * Local; a smoke run, which measures nothing, shares one (Java's start is most of its time).
 */
export const runSections = async (
  options: BenchOptions,
  progress: Progress,
  running: RunningDynamoDB = {},
): Promise<SectionResults> => {
  let shared: BenchDynamoDB | undefined;
  const withDynamoDB = async <T>(work: (db: BenchDynamoDB) => Promise<T>): Promise<T> => {
    if (options.smoke) {
      shared ??= await startBenchDynamoDB();
      running.current = shared;
      return work(shared);
    }
    const db = await startBenchDynamoDB();
    running.current = db;
    try {
      return await work(db);
    } finally {
      running.current = undefined;
      await db.stop();
    }
  };
  let results: SectionResults = {};
  try {
    for (const [name, section] of Object.entries(BENCH_SECTIONS)) {
      if (!options.sections.has(name as Section)) continue;
      results = { ...results, ...(await section.run({ options, progress, withDynamoDB })) };
    }
  } finally {
    running.current = undefined;
    await shared?.stop();
  }
  return results;
};

/** The markdown report of a run. */
export const renderReport = (results: BenchResults): string =>
  renderMarkdown(results) +
  (results.encryption ? `\n${renderEncryption(results.encryption)}` : '') +
  (results.roleCheck ? `\n${renderRoleCheck(results.roleCheck)}` : '') +
  (results.cost ? `\n${renderCost(results.cost)}` : '') +
  (results.reconciler ? `\n${renderReconcilerScale(results.reconciler)}` : '') +
  (results.viewQueries ? `\n${renderViewQueries(results.viewQueries)}` : '') +
  (results.registryCost ? `\n${renderRegistryCost(results.registryCost)}` : '');
