/**
 * `npm run replay -- --from ISO --to ISO [--wait] [--from-store] [--json]`: sends the events
 * of a time range to the projection again. On AWS it starts an EventBridge replay from the
 * bus's archive to the projection rule (EVENT_ARCHIVE_NAME, PROJECTION_RULE_NAME from the
 * stack outputs; `--wait` follows it to the end). Against the local stack, which has no
 * archive, or with `--from-store`, it reads the range from the event store (change index)
 * and publishes it on the bus.
 */
import { parseArgs } from 'node:util';
import { PROJECTION_RULE_NAME } from '../adapters/eventbridge/projection-rule.js';
import type { Env } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { replayFromStore, startArchiveReplay } from './archive-replay.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK } from './cli-io.js';
import { runOpsTool } from './ops-session.js';

const USAGE = 'usage: npm run replay -- --from ISO --to ISO [--wait] [--from-store] [--json]';

const instant = (name: string, value: string | undefined): Date => {
  if (value === undefined) throw new Error(`--${name} is required; ${USAGE}`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new RangeError(`--${name} must be an ISO-8601 instant, not "${value}"`);
  }
  return date;
};

export const runReplayCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
  options: { now?: () => Date } = {},
): Promise<number> =>
  runOpsTool({ env, io, label: 'replay' }, async (open) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        wait: { type: 'boolean', default: false },
        'from-store': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    const range = { from: instant('from', values.from), to: instant('to', values.to) };
    if (range.from >= range.to) throw new RangeError('--from must be before --to');
    const session = open({ json: values.json });
    const { config } = session.service;
    const say = values.json ? io.err : io.out;

    if (session.target.local || values['from-store'] || session.env.AWS_ENDPOINT_URL_EVENTBRIDGE) {
      say(
        `replaying ${range.from.toISOString()} .. ${range.to.toISOString()} from the event store`,
      );
      const report = await replayFromStore({
        changes: session.service.streamChanges,
        streamTypes: session.service.streamTypes,
        metrics: session.service.metrics,
        publish: session.service.envelopePublisher,
        range,
        onProgress: (p) => say(`  ${p.published} published, ${p.unpublished} not`),
      });
      const summary = {
        source: 'event-store',
        streams: report.streams,
        published: report.published,
        unpublished: report.unpublished.length,
        unregistered: report.unregistered,
      };
      if (values.json) io.out(JSON.stringify(summary));
      else {
        io.out(
          `${report.published} event(s) of ${report.streams} stream(s) published to ${config.EVENT_BUS_NAME}; ${report.unpublished.length} not`,
        );
        for (const { aggregateType, aggregateId } of report.unregistered.slice(0, 20)) {
          io.err(`  ${aggregateType} ${aggregateId}: no module is registered for its type`);
        }
      }
      return report.unpublished.length > 0 || report.unregistered.length > 0
        ? EXIT_FINDINGS
        : EXIT_OK;
    }

    const now = (options.now ?? (() => new Date()))();
    const replay = await startArchiveReplay({
      client: session.eventBridge,
      busName: config.EVENT_BUS_NAME,
      archiveName: session.required(
        'EVENT_ARCHIVE_NAME',
        'the EventArchiveName output of the stack',
      ),
      ruleName: session.env.PROJECTION_RULE_NAME ?? PROJECTION_RULE_NAME,
      range,
      // At most 64 characters, unique per start.
      replayName: `projection-replay-${now
        .toISOString()
        .replace(/[^0-9]/g, '')
        .slice(0, 14)}`,
      ...(values.wait
        ? {
            wait: {
              onState: (r) =>
                say(
                  `  ${r.replayName}: ${r.state}${r.lastReplayed ? ` (at ${r.lastReplayed})` : ''}`,
                ),
            },
          }
        : {}),
    });
    if (values.json) io.out(JSON.stringify({ source: 'archive', ...replay }));
    else
      io.out(
        `replay ${replay.replayName}: ${replay.state}${replay.reason ? ` (${replay.reason})` : ''}`,
      );
    return replay.state === 'FAILED' || replay.state === 'CANCELLED' ? EXIT_FINDINGS : EXIT_OK;
  });

runAsScript(import.meta.url, () => runReplayCli(process.argv.slice(2)));
