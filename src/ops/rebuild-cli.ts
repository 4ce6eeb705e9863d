/**
 * `npm run rebuild [-- --concurrency N]`: replays every Customer stream into the read model,
 * with a progress bar. Finds the local stack `npm start` runs, unless AWS settings are given
 * (see `ops-target.ts`); tables from COMMAND_TABLE / QUERY_TABLE. Safe while the projector
 * runs: views only move forward.
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { rebuildViews } from '../app/rebuild.js';
import type { Env } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK, errorMessage } from './cli-io.js';
import { runOpsTool } from './ops-session.js';

export const runRebuildCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
  options: { progress?: boolean } = {},
): Promise<number> => {
  return runOpsTool({ env, io, label: 'rebuild failed' }, async (open) => {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { concurrency: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    // `npm run rebuild 8` was the older way to give the concurrency.
    const raw = values.concurrency ?? positionals[0] ?? '16';
    const concurrency = Number(raw);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`--concurrency must be a positive whole number, not "${raw}"`);
    }
    const session = open();
    const { config } = session.service;
    const bar =
      (options.progress ?? process.stdout.isTTY)
        ? new cliProgress.SingleBar(
            {
              format:
                'rebuild [{bar}] {value}/{total} streams | {updated} updated | {failed} failed',
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
    bar?.start(0, 0, { updated: 0, failed: 0 });
    const report = await rebuildViews({
      ...session.service.rebuildSources,
      concurrency,
      onProgress: (p) => {
        bar?.setTotal(p.discovered);
        bar?.update(p.processed, { updated: p.updated, failed: p.failed });
      },
    });
    bar?.stop();
    io.out(
      `${report.processed} streams replayed into ${config.QUERY_TABLE}: ${report.updated} views moved forward, ${report.failed} failed`,
    );
    for (const { aggregateId, error } of report.failures.slice(0, 20)) {
      io.err(`  ${aggregateId}: ${errorMessage(error)}`);
    }
    return report.failed > 0 ? EXIT_FINDINGS : EXIT_OK;
  });
};

runAsScript(import.meta.url, () => runRebuildCli(process.argv.slice(2)));
