/**
 * `npm run bench`: measures the service against the storage floor on its own DynamoDB Local.
 * Prints a markdown table and writes the figures as JSON under `bench-results/`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runAggregateLoading } from './aggregate-loading.js';
import { type BenchDynamoDB, startBenchDynamoDB } from './bench-dynamodb.js';
import { runColdStart } from './cold-start.js';
import { runCommandPath } from './command-path.js';
import { renderEncryption, runEncryption } from './encryption.js';
import { describeMachine } from './machine.js';
import { parseOptions } from './options.js';
import { Progress } from './progress.js';
import { runProjection } from './projection.js';
import { runProjectorBatches } from './projector-batches.js';
import { type BenchResults, checkTargets, renderMarkdown } from './report.js';
import { renderRoleCheck, runRoleCheck } from './role-check.js';
import { renderViewQueries, runViewQueries } from './view-queries.js';
import { runWholeService } from './whole-service.js';

const main = async () => {
  const options = parseOptions(process.argv.slice(2), process.env);
  const machine = describeMachine();
  const progress = new Progress();
  const started = performance.now();
  const results: Omit<BenchResults, 'targets' | 'loadAverageAtEnd' | 'durationSeconds'> = {
    machine,
    options: { ...options, sections: [...options.sections] },
  };

  // Each section gets a fresh DynamoDB Local; the one running is stopped on Ctrl-C too,
  // so no Java process is left behind.
  let running: BenchDynamoDB | undefined;
  const withDynamoDB = async <T>(work: (db: BenchDynamoDB) => Promise<T>): Promise<T> => {
    const db = await startBenchDynamoDB();
    running = db;
    try {
      return await work(db);
    } finally {
      running = undefined;
      await db.stop();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }

  if (options.sections.has('command')) {
    results.commandPath = await runCommandPath(withDynamoDB, options, progress);
  }
  if (options.sections.has('load')) {
    results.aggregateLoading = await withDynamoDB((db) =>
      runAggregateLoading(db, options, progress),
    );
  }
  if (options.sections.has('projection')) {
    results.projection = await runProjection(withDynamoDB, options, progress);
    // The projector's store reads and events/s, before and after notifications, in one run.
    results.projectorBatches = await withDynamoDB((db) =>
      runProjectorBatches(db, { customers: Math.min(options.customers, 100) }),
    );
  }
  if (options.sections.has('cold')) results.coldStart = await runColdStart(options, progress);
  // Encryption on vs off, in the same run (docs/benchmarks.md, docs/privacy.md).
  const encryption = options.sections.has('encryption')
    ? await withDynamoDB((db) => runEncryption(db, options, progress))
    : undefined;
  // The command path with the role check on (bearer tokens, jose) vs off, in the same run.
  const roleCheck = options.sections.has('access')
    ? await withDynamoDB((db) => runRoleCheck(db, options, progress))
    : undefined;
  // The read model's lists, write-sharded vs the first deployment's single keys, in one run.
  const viewQueries = options.sections.has('views')
    ? await withDynamoDB((db) => runViewQueries(db, options, progress))
    : undefined;
  if (options.sections.has('service')) {
    // One DynamoDB Local per round for every server of the round; the order rotates.
    results.wholeService = await runWholeService(withDynamoDB, options, progress);
  }

  const complete: BenchResults = {
    ...results,
    loadAverageAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    targets: checkTargets(results),
    ...(encryption ? { encryption } : {}),
    ...(roleCheck ? { roleCheck } : {}),
    ...(viewQueries ? { viewQueries } : {}),
  };
  const markdown =
    renderMarkdown(complete) +
    (encryption ? `\n${renderEncryption(encryption)}` : '') +
    (roleCheck ? `\n${renderRoleCheck(roleCheck)}` : '') +
    (viewQueries ? `\n${renderViewQueries(viewQueries)}` : '');
  await mkdir(options.outDir, { recursive: true });
  const stamp = machine.date.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(complete, null, 2)}\n`;
  await writeFile(join(options.outDir, `bench-${stamp}.json`), json);
  await writeFile(join(options.outDir, 'latest.json'), json);
  await writeFile(join(options.outDir, 'latest.md'), markdown);
  process.stdout.write(`\n${markdown}`);
  progress.log(`results in ${join(options.outDir, `bench-${stamp}.json`)}`);
};

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
