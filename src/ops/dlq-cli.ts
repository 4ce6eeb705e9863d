/**
 * `npm run dlq -- list [--json] [--max N] [--diagnose]` and
 * `npm run dlq -- redrive [--aggregate ID] [--max N] [--json]`: the projection's dead-letter
 * queue, read without consuming it and redriven to the projection queue. Queue URLs come
 * from PROJECTION_QUEUE_URL / PROJECTION_DLQ_URL, the endpoint from the SDK's own chain
 * (AWS_ENDPOINT_URL_SQS for the local emulator). `--diagnose` replays each message's stream
 * from the event store (COMMAND_TABLE, AWS_ENDPOINT_URL_DYNAMODB) to say why it fails now.
 */
import { parseArgs } from 'node:util';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { type DeadLetter, SqsDeadLetterQueue } from '../adapters/sqs/dead-letter-queue.js';
import { type Diagnosis, diagnose } from '../app/dead-letter-diagnosis.js';
import { readConfig } from '../config.js';
import { type Env, endpointClientConfig } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, dynamoClientConfig } from './audit-cli.js';

const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

const USAGE =
  'usage: npm run dlq -- list [--json] [--max N] [--diagnose] | redrive [--aggregate ID] [--max N] [--json]';

/** Local emulators take any region and credentials; us-east-1 is the usual one in their ARNs. */
export const sqsClientConfig = (env: Env): SQSClientConfig =>
  endpointClientConfig(env, 'SQS', 'us-east-1');

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (the queue URL, as the stack outputs it)`);
  return value;
};

const describe = (letter: DeadLetter, diagnosis?: Diagnosis): string => {
  const what = letter.bodyError
    ? `unreadable body: ${letter.bodyError.split('\n')[0]}`
    : `${letter.eventType} v${letter.version} of ${letter.aggregateId}${letter.thin ? ' (thin)' : ''}`;
  const when = `received ${letter.receiveCount ?? '?'}x, first ${letter.firstReceivedAt ?? '?'}`;
  const why =
    diagnosis === undefined
      ? ''
      : diagnosis.error === undefined
        ? '\n      now: the stream folds cleanly; a redrive should apply it'
        : `\n      now: ${diagnosis.error}`;
  return `  ${letter.messageId}  ${what}  (${when})${why}`;
};

/** The whole command, minus `process`: tests call it with their own env and output. */
export const runDlqCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
): Promise<number> => {
  const sqs = new SQSClient(sqsClientConfig(env));
  let dynamo: ReturnType<typeof createDocumentClient> | undefined;
  try {
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
    const dlq = new SqsDeadLetterQueue({
      client: sqs,
      queueUrl: required(env, 'PROJECTION_DLQ_URL'),
    });

    if (action === 'list') {
      const letters = await dlq.list(max === undefined ? {} : { max });
      let diagnoses: Diagnosis[] | undefined;
      if (values.diagnose) {
        const config = readConfig(env);
        dynamo = createDocumentClient(dynamoClientConfig(env));
        const events = new DynamoDBEventStore({ client: dynamo, tableName: config.COMMAND_TABLE });
        diagnoses = [];
        for (const letter of letters) diagnoses.push(await diagnose(letter, events));
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
        io.out(`${letters.length} message(s) in ${env.PROJECTION_DLQ_URL}`);
        letters.forEach((letter, i) => {
          io.out(describe(letter, diagnoses?.[i]));
        });
      }
      return 0;
    }

    if (action === 'redrive') {
      const report = await dlq.redrive({
        targetQueueUrl: required(env, 'PROJECTION_QUEUE_URL'),
        ...(values.aggregate === undefined ? {} : { aggregateId: values.aggregate }),
        ...(max === undefined ? {} : { max }),
      });
      if (values.json) {
        io.out(JSON.stringify(report));
      } else {
        io.out(
          `moved ${report.moved.length} to ${env.PROJECTION_QUEUE_URL}; left ${report.skipped} (filter) and ${report.failed.length} (send failed)`,
        );
        for (const letter of report.moved) io.out(describe(letter));
        for (const f of report.failed) io.err(`  ${f.messageId}: ${f.reason}`);
      }
      return report.failed.length > 0 ? 1 : 0;
    }

    throw new Error(action === undefined ? USAGE : `unknown action "${action}"; ${USAGE}`);
  } catch (error) {
    io.err(`dlq: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    sqs.destroy();
    dynamo?.destroy();
  }
};

runAsScript(import.meta.url, () => runDlqCli(process.argv.slice(2)));
