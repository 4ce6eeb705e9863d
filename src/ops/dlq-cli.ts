/**
 * `npm run dlq -- list [--json] [--max N] [--diagnose]` and
 * `npm run dlq -- redrive [--aggregate ID] [--max N] [--json]`: the projection's dead-letter
 * queue, read without consuming it and redriven to the projection queue. Finds the local
 * stack `npm start` runs, unless AWS settings are given (see `ops-target.ts`); on AWS the
 * queue URLs come from PROJECTION_QUEUE_URL / PROJECTION_DLQ_URL. `--diagnose` replays each
 * message's stream from the event store (COMMAND_TABLE) to say why it fails now.
 */
import { parseArgs } from 'node:util';
import { type DeadLetter, SqsDeadLetterQueue } from '../adapters/sqs/dead-letter-queue.js';
import { type Diagnosis, diagnose } from '../app/dead-letter-diagnosis.js';
import type { Env } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK } from './cli-io.js';
import { runOpsTool } from './ops-session.js';

const USAGE =
  'usage: npm run dlq -- list [--json] [--max N] [--diagnose] | redrive [--aggregate ID] [--max N] [--json]';

const QUEUE_URL = 'the queue URL, as the stack outputs it';

const describe = (letter: DeadLetter, diagnosis?: Diagnosis): string => {
  const what = letter.bodyError
    ? `unreadable body: ${letter.bodyError.split('\n')[0]}`
    : `${letter.eventType} v${letter.version} of ${letter.aggregateType} ${letter.aggregateId}${letter.thin ? ' (thin)' : ''}`;
  const when = `received ${letter.receiveCount ?? '?'}x, first ${letter.firstReceivedAt ?? '?'}`;
  const why =
    diagnosis === undefined
      ? ''
      : diagnosis.error === undefined
        ? '\n      now: the stream folds cleanly; a redrive should apply it'
        : `\n      now: ${diagnosis.projection ? `${diagnosis.projection}: ` : ''}${diagnosis.error}`;
  return `  ${letter.messageId}  ${what}  (${when})${why}`;
};

/** The whole command, minus `process`: tests call it with their own env and output. */
export const runDlqCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
): Promise<number> => {
  return runOpsTool({ env, io, label: 'dlq' }, async (open) => {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        diagnose: { type: 'boolean', default: false },
        aggregate: { type: 'string' },
        max: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    const [action] = positionals;
    const max = values.max === undefined ? undefined : Number(values.max);
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new RangeError('--max must be a positive whole number');
    }
    if (action !== 'list' && action !== 'redrive') {
      throw new Error(action === undefined ? USAGE : `unknown action "${action}"; ${USAGE}`);
    }
    const session = open({ json: values.json });
    const dlqUrl = session.required('PROJECTION_DLQ_URL', QUEUE_URL);
    const dlq = new SqsDeadLetterQueue({ client: session.sqs(), queueUrl: dlqUrl });

    if (action === 'list') {
      const letters = await dlq.list(max === undefined ? {} : { max });
      let diagnoses: Diagnosis[] | undefined;
      if (values.diagnose) {
        const streams = session.service.streamTypes;
        diagnoses = [];
        for (const letter of letters) diagnoses.push(await diagnose(letter, streams));
      }
      if (values.json) {
        io.out(
          JSON.stringify({
            messages: letters.map((letter, i) => ({
              ...letter,
              ...(diagnoses ? { diagnosis: diagnoses[i]?.error ?? null } : {}),
            })),
          }),
        );
      } else {
        io.out(`${letters.length} message(s) in ${dlqUrl}`);
        letters.forEach((letter, i) => {
          io.out(describe(letter, diagnoses?.[i]));
        });
      }
      return EXIT_OK;
    }

    const targetQueueUrl = session.required('PROJECTION_QUEUE_URL', QUEUE_URL);
    const report = await dlq.redrive({
      targetQueueUrl,
      ...(values.aggregate === undefined ? {} : { aggregateId: values.aggregate }),
      ...(max === undefined ? {} : { max }),
    });
    if (values.json) {
      io.out(JSON.stringify(report));
    } else {
      io.out(
        `moved ${report.moved.length} to ${targetQueueUrl}; left ${report.skipped} (filter) and ${report.failed.length} (send failed)`,
      );
      for (const letter of report.moved) io.out(describe(letter));
      for (const f of report.failed) io.err(`  ${f.messageId}: ${f.reason}`);
    }
    return report.failed.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  });
};

runAsScript(import.meta.url, () => runDlqCli(process.argv.slice(2)));
