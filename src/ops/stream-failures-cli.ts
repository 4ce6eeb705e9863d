/**
 * `npm run stream-failures -- list [--json] [--max N]` and
 * `npm run stream-failures -- replay [--json] [--max N]`: the records the stream mapping left
 * in its on-failure queue after a batch ran out of retries. `list` shows where each failed
 * batch is (shard, sequence range, arrival times) without consuming anything; `replay` reads
 * those events back from the event store, publishes them again, and deletes a record once
 * all its events are on the bus. Finds the local stack `npm start` runs, unless AWS settings
 * are given (see `ops-target.ts`); on AWS the queue URL comes from STREAM_FAILURE_QUEUE_URL.
 */
import { parseArgs } from 'node:util';
import {
  type ReceivedStreamFailure,
  SqsStreamFailureQueue,
} from '../adapters/sqs/stream-failure-queue.js';
import type { Env } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK, errorMessage } from './cli-io.js';
import { runOpsTool } from './ops-session.js';
import { eventsOfFailure } from './stream-failure-replay.js';

const USAGE = 'usage: npm run stream-failures -- list|replay [--json] [--max N]';

const describe = (failure: ReceivedStreamFailure): string => {
  const { record } = failure;
  if (!record) return `  ${failure.messageId}  unreadable: ${failure.bodyError?.split('\n')[0]}`;
  const info = record.DDBStreamBatchInfo;
  return [
    `  ${failure.messageId}  ${info.batchSize} record(s) of shard ${info.shardId}`,
    `      sequence ${info.startSequenceNumber} .. ${info.endSequenceNumber}`,
    `      arrived ${info.approximateArrivalOfFirstRecord} .. ${info.approximateArrivalOfLastRecord}`,
    `      ${record.requestContext.condition} after ${record.requestContext.approximateInvokeCount} attempts (${record.responseContext.functionError ?? 'no error type'}), at ${record.timestamp}`,
  ].join('\n');
};

export interface ReplayOutcome {
  messageId: string;
  source?: 'stream' | 'change-index';
  streamError?: string;
  events: number;
  unpublished: number;
  error?: string;
}

/** The whole command, minus `process`: tests call it with their own env and output. */
export const runStreamFailuresCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
): Promise<number> =>
  runOpsTool({ env, io, label: 'stream-failures' }, async (open) => {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean', default: false }, max: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const [action] = positionals;
    if (action !== 'list' && action !== 'replay') {
      throw new Error(action === undefined ? USAGE : `unknown action "${action}"; ${USAGE}`);
    }
    const max = Number(values.max ?? '100');
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError('--max must be a positive whole number');
    const session = open({ json: values.json });
    const queueUrl = session.required(
      'STREAM_FAILURE_QUEUE_URL',
      'the StreamFailureQueueUrl output of the stack',
    );
    const queue = new SqsStreamFailureQueue({ client: session.sqs(), queueUrl });
    const failures = await queue.receive(max);

    if (action === 'list') {
      await queue.release(failures);
      if (values.json) io.out(JSON.stringify({ failures }));
      else {
        io.out(`${failures.length} failed batch(es) in ${queueUrl}`);
        for (const failure of failures) io.out(describe(failure));
      }
      return EXIT_OK;
    }

    const outcomes: ReplayOutcome[] = [];
    const deps = {
      streams: session.streams(),
      changes: session.service.streamChanges,
      // Read as stored (personal data still encrypted): what the stream carried to the publisher.
      streamTypes: session.service.streamTypes,
      metrics: session.service.metrics,
    };
    for (const failure of failures) {
      if (!failure.record) {
        outcomes.push({
          messageId: failure.messageId,
          events: 0,
          unpublished: 0,
          error: failure.bodyError ?? 'unreadable',
        });
        await queue.release([failure]);
        continue;
      }
      try {
        const found = await eventsOfFailure(failure.record, deps);
        const unpublished = await session.service.envelopePublisher(found.events);
        const unregistered = found.unregistered.map((s) => `${s.aggregateType} ${s.aggregateId}`);
        outcomes.push({
          messageId: failure.messageId,
          source: found.source,
          ...(found.streamError ? { streamError: found.streamError } : {}),
          events: found.events.length,
          unpublished: unpublished.length,
          ...(unregistered.length > 0
            ? { error: `no module is registered for the type of ${unregistered.join(', ')}` }
            : {}),
        });
        // Only a record whose every event is on the bus again is done with.
        if (unpublished.length === 0 && unregistered.length === 0) await queue.delete(failure);
        else await queue.release([failure]);
      } catch (error) {
        outcomes.push({
          messageId: failure.messageId,
          events: 0,
          unpublished: 0,
          error: errorMessage(error),
        });
        await queue.release([failure]);
      }
    }
    const failed = outcomes.filter((o) => o.error !== undefined || o.unpublished > 0);
    if (values.json) io.out(JSON.stringify({ replayed: outcomes }));
    else {
      io.out(
        `${outcomes.length - failed.length} of ${outcomes.length} failed batch(es) republished`,
      );
      for (const o of outcomes) {
        const how = o.source === 'change-index' ? ` (from the change index: ${o.streamError})` : '';
        const problem = o.error ?? (o.unpublished > 0 ? `${o.unpublished} not published` : 'done');
        io.out(`  ${o.messageId}  ${o.events} event(s)${how}: ${problem}`);
      }
    }
    return failed.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  });

runAsScript(import.meta.url, () => runStreamFailuresCli(process.argv.slice(2)));
