/**
 * `npm run bench`: measures the service against the storage floor on its own DynamoDB Local.
 * Prints a markdown table and writes the figures as JSON under `bench-results/`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { describeMachine } from './machine.js';
import { parseOptions } from './options.js';
import { Progress } from './progress.js';
import { type BenchResults, checkTargets } from './report.js';
import { type RunningDynamoDB, renderReport, runSections } from './sections.js';

const main = async () => {
  const options = parseOptions(process.argv.slice(2), process.env);
  const machine = describeMachine();
  const progress = new Progress();
  const started = performance.now();

  // Each section gets a fresh DynamoDB Local; the one running is stopped on Ctrl-C too,
  // so no Java process is left behind.
  const running: RunningDynamoDB = {};
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void (running.current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  const results = await runSections(options, progress, running);

  const complete: BenchResults = {
    machine,
    options: { ...options, sections: [...options.sections] },
    ...results,
    loadAverageAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    targets: checkTargets(results),
  };
  const markdown = renderReport(complete);
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
