/**
 * `npm run rebuild [-- --concurrency N]`: replays every stream into the read models of its
 * type, with a progress bar. Finds the local stack `npm start` runs, unless AWS settings are given
 * (see `ops-target.ts`); tables from COMMAND_TABLE / QUERY_TABLE. Safe while the projector
 * runs: views only move forward.
 *
 * `npm run rebuild -- --repair`: also puts back views whose content differs from the fold of
 * their stream at the same or a higher version (the audit's `different` and `ahead`), each
 * rewrite conditional on the item read, so it is safe while the projector runs too.
 *
 * `npm run rebuild -- --into <table> [--projection <name>]`: the blue/green rebuild of one
 * changed read model (by default the Customer views) into a fresh table (created from its
 * declared definition if missing), resumable: the scan cursor is kept in
 * `<DATA_DIR>/rebuild-<table>.json` after every page, and a run started again carries on
 * from there. Then switch the read model's table setting (docs/operations.md).
 */
import { parseArgs } from 'node:util';
import { createTableIfMissing } from '../adapters/dynamodb/create-tables.js';
import { type RebuildReport, rebuildViews } from '../app/rebuild.js';
import type { Env } from '../local/local-endpoints.js';
import { endpointClientConfig } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK, errorMessage } from './cli-io.js';
import { type OpsSession, runOpsTool } from './ops-session.js';
import { progressBar } from './progress-bar.js';
import { RebuildCheckpointFile, resumableCatalog } from './rebuild-checkpoint.js';

export const runRebuildCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
  options: { progress?: boolean } = {},
): Promise<number> => {
  return runOpsTool({ env, io, label: 'rebuild failed' }, async (open) => {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        concurrency: { type: 'string' },
        into: { type: 'string' },
        projection: { type: 'string' },
        repair: { type: 'boolean' },
        // Items a scan page evaluates: smaller pages, finer resume points.
        'scan-limit': { type: 'string' },
      },
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
    if (values.into !== undefined) {
      if (values.repair) {
        throw new RangeError(
          '--repair rewrites the live read model; a blue/green rebuild (--into) writes a fresh table from the streams',
        );
      }
      const limit = values['scan-limit'] === undefined ? undefined : Number(values['scan-limit']);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
        throw new RangeError('--scan-limit must be a positive whole number');
      }
      return rebuildInto(
        session,
        { table: values.into, projection: values.projection },
        { concurrency, limit },
        io,
        options.progress,
      );
    }
    if (values.projection !== undefined) {
      throw new RangeError(
        '--projection names the read model a blue/green rebuild (--into) writes',
      );
    }
    const repair = values.repair ?? false;
    const bar = rebuildBar(options.progress);
    bar?.start(0, 0, { updated: 0, failed: 0 });
    const sources = session.service.rebuildSources;
    const report = await rebuildViews({
      ...sources,
      concurrency,
      repair,
      metrics: session.service.metrics,
      onProgress: (p) => {
        bar?.setTotal(p.discovered);
        bar?.update(p.processed, { updated: p.updated + p.repaired, failed: p.failed });
      },
    });
    bar?.stop();
    const readModels = sources.streams.projections.map(({ projection }) => projection.name);
    io.out(
      `${report.processed} streams replayed into ${readModels.join(', ') || 'no read model'}: ${report.updated} views moved forward, ${
        repair ? `${report.repaired} rewritten (different or ahead), ` : ''
      }${report.failed} failed`,
    );
    for (const { aggregateType, aggregateId, projection, finding, fields } of report.repairs.slice(
      0,
      20,
    )) {
      io.out(
        `  rewritten ${projection} of ${aggregateType} ${aggregateId}: ${finding}${fields.length ? ` (${fields.join(', ')})` : ''}`,
      );
    }
    printFailures(report, io);
    return report.failed > 0 ? EXIT_FINDINGS : EXIT_OK;
  });
};

/** Table names DynamoDB accepts; the stack's tool policy allows `customer-views-*` on AWS. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

const printFailures = (report: RebuildReport, io: CliIo) => {
  for (const { aggregateType, aggregateId, projection, error } of report.failures.slice(0, 20)) {
    io.err(
      `  ${aggregateType} ${aggregateId}${projection ? ` (${projection})` : ''}: ${errorMessage(error)}`,
    );
  }
};

const rebuildInto = async (
  session: OpsSession,
  { table, projection }: { table: string; projection: string | undefined },
  { concurrency, limit }: { concurrency: number; limit: number | undefined },
  io: CliIo,
  progress: boolean | undefined,
): Promise<number> => {
  if (!TABLE_NAME.test(table))
    throw new RangeError(`--into must be a DynamoDB table name, not "${table}"`);
  const sources = session.service.rebuildSourcesInto(table, projection);
  if (sources.liveTables.includes(table)) {
    throw new Error(
      `--into names the live read model's table (${table}); a blue/green rebuild goes into a fresh table. Run without --into to catch the live one up.`,
    );
  }
  const client = session.aws.dynamodb(endpointClientConfig(session.env, 'DYNAMODB', 'us-east-1'));
  try {
    if (await createTableIfMissing(client, table, sources.definition)) io.out(`created ${table}`);
  } finally {
    client.destroy();
  }
  const file = new RebuildCheckpointFile(session.env.DATA_DIR ?? '.data', table);
  const resumed = file.read();
  const checkpoint = resumed ?? {
    table,
    processed: 0,
    updated: 0,
    failed: 0,
    startedAt: new Date().toISOString(),
  };
  if (resumed) io.out(`resuming the rebuild of ${table} after ${resumed.processed} streams`);
  const bar = rebuildBar(progress);
  bar?.start(checkpoint.processed, checkpoint.processed, { updated: 0, failed: 0 });
  let latest: RebuildReport | undefined;
  const report = await rebuildViews({
    streams: sources.streams,
    metrics: session.service.metrics,
    concurrency,
    catalog: resumableCatalog(
      sources.pages,
      checkpoint.cursor,
      (cursor) => {
        // Every stream of the page is replayed: the next run may start after it.
        const done = {
          ...checkpoint,
          processed: checkpoint.processed + (latest?.processed ?? 0),
          updated: checkpoint.updated + (latest?.updated ?? 0),
          failed: checkpoint.failed + (latest?.failed ?? 0),
        };
        if (cursor === undefined) return;
        file.write({ ...done, cursor });
      },
      limit,
    ),
    onProgress: (p) => {
      latest = { ...p, failures: [], repairs: [] };
      bar?.setTotal(checkpoint.processed + p.discovered);
      bar?.update(checkpoint.processed + p.processed, {
        updated: checkpoint.updated + p.updated,
        failed: checkpoint.failed + p.failed,
      });
    },
  });
  bar?.stop();
  const total = {
    processed: checkpoint.processed + report.processed,
    updated: checkpoint.updated + report.updated,
    failed: checkpoint.failed + report.failed,
  };
  printFailures(report, io);
  if (report.failed > 0) {
    io.out(
      `${total.processed} streams into ${table}, ${report.failed} failed in this run: fix them and run again (views only move forward)`,
    );
    file.remove();
    return EXIT_FINDINGS;
  }
  file.remove();
  io.out(
    `${total.processed} streams replayed into ${table} (${sources.projection}): ${total.updated} views written`,
  );
  io.out(
    `next: check it (${sources.setting}=${table} npm run audit:views), then switch ${sources.setting} to ${table} (docs/operations.md, "Blue/green rebuild")`,
  );
  return EXIT_OK;
};

const rebuildBar = (enabled: boolean | undefined) =>
  progressBar(
    'rebuild [{bar}] {value}/{total} streams | {updated} updated | {failed} failed',
    enabled,
  );

runAsScript(import.meta.url, () => runRebuildCli(process.argv.slice(2)));
