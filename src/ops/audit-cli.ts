/**
 * `npm run audit:views`: compares every stream with each read model its type feeds and
 * prints what differs. Exit code 0 when clean, 1 when anything differs, 2 when the audit could not run.
 * Finds the local stack `npm start` runs, unless AWS settings are given (see
 * `ops-target.ts`); tables from COMMAND_TABLE / QUERY_TABLE. Read-only; safe on a live system.
 */
import { parseArgs } from 'node:util';
import { type AuditReport, auditFindings, auditViews } from '../app/audit.js';
import type { Env } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK } from './cli-io.js';
import { runOpsTool } from './ops-session.js';

const positive = (value: string | undefined, name: string, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`--${name} must be a whole number`);
  return n;
};

export const formatReport = (report: AuditReport, tables: { events: string }) => {
  const names = report.readModels.map((r) => r.name).join(', ') || 'no read model';
  const lines = [`Audit of ${tables.events} (event store) against ${names}`];
  const width = Math.max(...auditFindings.map((f) => f.length), 'streams'.length);
  const row = (label: string, value: number) =>
    `  ${label.padEnd(width)}  ${String(value).padStart(8)}`;
  lines.push(row('streams', report.streams), row('views', report.views));
  for (const finding of auditFindings) lines.push(row(finding, report.counts[finding]));
  if (report.readModels.length > 1 || report.readModels.some((r) => !r.orphansScanned)) {
    lines.push('', 'Read models:');
    for (const r of report.readModels) {
      const found = auditFindings
        .filter((f) => f !== 'ok' && r.counts[f] > 0)
        .map((f) => `${r.counts[f]} ${f}`);
      const orphans = r.orphansScanned ? `${r.views} views scanned` : 'not scanned for orphans';
      lines.push(
        `  ${r.name} (${r.aggregateType}): ${r.counts.ok} ok${found.length ? `, ${found.join(', ')}` : ''}; ${orphans}`,
      );
    }
  }
  if (report.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const e of report.examples) {
      const versions = `expected v${e.expectedVersion ?? '-'}, actual v${e.actualVersion ?? '-'}`;
      const detail = e.error ?? (e.fields.length > 0 ? `fields: ${e.fields.join(', ')}` : '');
      const where = `${e.projection ?? e.aggregateType} ${e.aggregateId}`;
      lines.push(`  ${e.finding.padEnd(width)}  ${where}  (${versions})  ${detail}`.trimEnd());
    }
  }
  lines.push('', report.clean ? 'Clean: every view matches its stream.' : 'Views differ.');
  return lines;
};

/** The whole command, minus `process`: tests call it with their own env and output. */
export const runAuditCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
): Promise<number> => {
  return runOpsTool({ env, io, label: 'audit failed' }, async (open) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        'no-orphans': { type: 'boolean', default: false },
        'page-size': { type: 'string' },
        concurrency: { type: 'string' },
        examples: { type: 'string' },
      },
      strict: true,
    });
    const session = open({ json: values.json });
    const { config } = session.service;
    const report = await auditViews({
      ...session.service.auditSources,
      pageSize: Math.max(positive(values['page-size'], 'page-size', 100), 1),
      concurrency: Math.max(positive(values.concurrency, 'concurrency', 16), 1),
      examplesPerFinding: positive(values.examples, 'examples', 10),
      findOrphans: !values['no-orphans'],
    });
    if (values.json) {
      io.out(
        JSON.stringify({
          eventStoreTable: config.COMMAND_TABLE,
          viewsTable: config.QUERY_TABLE,
          ...report,
        }),
      );
    } else {
      for (const line of formatReport(report, { events: config.COMMAND_TABLE })) {
        io.out(line);
      }
    }
    return report.clean ? EXIT_OK : EXIT_FINDINGS;
  });
};

runAsScript(import.meta.url, () => runAuditCli(process.argv.slice(2)));
