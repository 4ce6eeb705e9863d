/**
 * `npm run audit:views`: compares every Customer stream with its view and prints what
 * differs. Exit code 0 when clean, 1 when anything differs, 2 when the audit could not run.
 * Tables come from COMMAND_TABLE / QUERY_TABLE; the endpoint and credentials from the SDK's
 * own chain (AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local). Read-only; safe on a live system.
 */
import { parseArgs } from 'node:util';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewAuditSource } from '../adapters/dynamodb/dynamodb-customer-view-audit-source.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { type AuditReport, auditFindings, auditViews } from '../app/audit.js';
import { readConfig } from '../config.js';
import { type Env, endpointClientConfig } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';

export const EXIT_CLEAN = 0;
export const EXIT_DIFFERENCES = 1;
export const EXIT_FAILED = 2;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** DynamoDB Local takes any region and credentials; spare the user from inventing them. */
export const dynamoClientConfig = (env: Env): DynamoDBClientConfig =>
  endpointClientConfig(env, 'DYNAMODB', 'local');

const positive = (value: string | undefined, name: string, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`--${name} must be a whole number`);
  return n;
};

export const formatReport = (report: AuditReport, tables: { events: string; views: string }) => {
  const lines = [`Audit of ${tables.events} (event store) against ${tables.views} (views)`];
  const width = Math.max(...auditFindings.map((f) => f.length), 'streams'.length);
  const row = (label: string, value: number) =>
    `  ${label.padEnd(width)}  ${String(value).padStart(8)}`;
  lines.push(row('streams', report.streams), row('views', report.views));
  for (const finding of auditFindings) lines.push(row(finding, report.counts[finding]));
  if (report.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const e of report.examples) {
      const versions = `expected v${e.expectedVersion ?? '-'}, actual v${e.actualVersion ?? '-'}`;
      const detail = e.error ?? (e.fields.length > 0 ? `fields: ${e.fields.join(', ')}` : '');
      lines.push(
        `  ${e.finding.padEnd(width)}  ${e.aggregateId}  (${versions})  ${detail}`.trimEnd(),
      );
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
  let client: ReturnType<typeof createDocumentClient> | undefined;
  try {
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
    const config = readConfig(env);
    client = createDocumentClient(dynamoClientConfig(env));
    const store = new DynamoDBEventStore({ client, tableName: config.COMMAND_TABLE });
    const report = await auditViews({
      catalog: store,
      events: store,
      views: new DynamoDBCustomerViewAuditSource({ client, tableName: config.QUERY_TABLE }),
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
      for (const line of formatReport(report, {
        events: config.COMMAND_TABLE,
        views: config.QUERY_TABLE,
      })) {
        io.out(line);
      }
    }
    return report.clean ? EXIT_CLEAN : EXIT_DIFFERENCES;
  } catch (error) {
    io.err(`audit failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILED;
  } finally {
    client?.destroy();
  }
};

runAsScript(import.meta.url, () => runAuditCli(process.argv.slice(2)));
