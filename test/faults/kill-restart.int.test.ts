import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { localClientConfig } from '../support/dynamodb.js';
import { auditUntilClean, opsAuditTarget } from './audit.js';
import {
  type CommandStep,
  customerScript,
  isSuccess,
  type Outcome,
  sendStep,
} from './scripted-customers.js';
import { serviceMembers, serviceRestarts, waitForServiceExit } from './service-process.js';

const CUSTOMERS = 24;
const STEPS = 6;
/** Accepted commands before the kill: enough that many more are in flight when it lands. */
const KILL_AFTER_ACCEPTED = 50;
const TABLES = { COMMAND_TABLE: 'CustomerEvents', QUERY_TABLE: 'CustomerViews' };

interface Attempt {
  step: CommandStep;
  phase: 'before-kill' | 'after-restart';
  outcome: Outcome;
}

describe('SIGKILL of the whole local runtime while commands flow', () => {
  let restarts: Awaited<ReturnType<typeof serviceRestarts>>;
  const clients: DynamoDBDocumentClient[] = [];
  let dataDir: string;

  beforeAll(async () => {
    restarts = await serviceRestarts({ prefix: 'fault-kill-', env: TABLES });
    dataDir = restarts.dataDir;
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    // Also reached when a test fails or times out: nothing of ours may outlive the run.
    expect(await restarts.stopAll()).toEqual([]);
  });

  const start = () => restarts.start();

  it('keeps every 2xx, gives each retried Idempotency-Key exactly one event, and the views converge', async () => {
    const scripts = Array.from({ length: CUSTOMERS }, (_, i) => customerScript('kill', i, STEPS));
    const attempts: Attempt[] = [];
    /** Per customer: the first step not known to have succeeded. */
    const resumeAt = scripts.map(() => 0);

    // Phase 1: every customer runs its script; the group dies once enough were accepted.
    const first = await start();
    let accepted = 0;
    let killed: Promise<void> | undefined;
    await Promise.all(
      scripts.map(async (script, c) => {
        for (const step of script) {
          const outcome = await sendStep(first.url, step);
          attempts.push({ step, phase: 'before-kill', outcome });
          if (!isSuccess(outcome)) return;
          resumeAt[c] = (resumeAt[c] ?? 0) + 1;
          accepted++;
          if (accepted >= KILL_AFTER_ACCEPTED && !killed) {
            // Node first, java a second later: see `kill` on why the store gets its grace.
            killed = first.kill({ storeGraceMs: 1000 });
          }
        }
      }),
    );
    expect(killed).toBeDefined();
    await killed;
    expect(await waitForServiceExit(first, 10_000)).toBe(true);
    await first.exited;

    const acceptedBefore = attempts.filter((a) => isSuccess(a.outcome));
    const failedBefore = attempts.filter((a) => !isSuccess(a.outcome));
    // The kill must have cut requests off, or this test proves nothing about them.
    expect(failedBefore.length).toBeGreaterThan(0);
    // Nothing but 2xx, 5xx and dropped connections: no request was refused as invalid.
    for (const a of failedBefore) {
      if (a.outcome.kind === 'answered') expect(a.outcome.status).toBeGreaterThanOrEqual(500);
    }

    // Restart on the same data folder.
    const second = await start();
    const documentClient = createDocumentClient(localClientConfig(second.dynamodbEndpoint));
    clients.push(documentClient);
    const store = new DynamoDBEventStore({
      client: documentClient,
      tableName: TABLES.COMMAND_TABLE,
    });

    // Every command answered 2xx before the kill is in the event store, at the answered version.
    for (const { step, outcome } of acceptedBefore) {
      const stream = await store.readStream(step.customerId);
      const event = stream.find((e) => e.metadata.commandId === step.key);
      expect(event, `${step.key} was accepted but is not stored`).toBeDefined();
      expect(event?.eventType).toBe(step.eventType);
      expect(outcome.kind === 'answered' && event?.version === outcome.version).toBe(true);
    }

    // Phase 2: each client retries its failed step with the same key, then goes on.
    await Promise.all(
      scripts.map(async (script, c) => {
        for (const step of script.slice(resumeAt[c])) {
          let outcome: Outcome;
          for (let attempt = 1; ; attempt++) {
            outcome = await sendStep(second.url, step);
            attempts.push({ step, phase: 'after-restart', outcome });
            const retryable =
              outcome.kind === 'dropped' || (outcome.kind === 'answered' && outcome.status >= 500);
            if (!retryable || attempt === 5) break;
            await new Promise((r) => setTimeout(r, 200 * attempt));
          }
          expect(isSuccess(outcome), `${step.key}: ${JSON.stringify(outcome)}`).toBe(true);
        }
      }),
    );

    // Exactly one event per key, in script order, with no gaps: exactly-once effect.
    for (const script of scripts) {
      const stream = await store.readStream(script[0]?.customerId ?? '');
      expect(stream.map((e) => e.metadata.commandId)).toEqual(script.map((s) => s.key));
      expect(stream.map((e) => e.eventType)).toEqual(script.map((s) => s.eventType));
      expect(stream.map((e) => e.version)).toEqual(script.map((_, n) => n + 1));
    }
    // A retry of a command that had committed before the kill answers the first result.
    const retried = attempts.filter((x) => x.phase === 'after-restart' && isSuccess(x.outcome));
    for (const a of retried) {
      if (a.outcome.kind === 'answered')
        expect(a.outcome.version).toBe(Number(a.step.key.split('-k')[1]) + 1);
    }
    const replayed = retried.filter((a) => a.outcome.kind === 'answered' && a.outcome.replayed);
    console.info(
      `kill: ${acceptedBefore.length} accepted before, ${failedBefore.length} cut off ` +
        `(${failedBefore.filter((a) => a.outcome.kind === 'dropped').length} dropped), ` +
        `${replayed.length} retries answered from the record of a command that had committed`,
    );

    // The read model catches up with the fold of every stream (the queue lost its
    // notifications with the process; the start-up catch-up and later events heal it).
    // Through the running stack's own composition: the events hold encrypted PII.
    const audited = opsAuditTarget({ DATA_DIR: dataDir });
    const report = await auditUntilClean(audited, 60_000).finally(() => audited.close());
    expect(report.examples).toEqual([]);
    expect(report.clean).toBe(true);
    expect(report.counts.ok).toBe(CUSTOMERS);
    const last = await fetch(
      `${second.url}/customers/${scripts[0]?.[0]?.customerId}?minVersion=${STEPS}`,
    );
    expect(((await last.json()) as { version: number }).version).toBe(STEPS);

    // A clean stop also takes java with it.
    await second.stop();
    expect(serviceMembers(second)).toEqual([]);
  }, 180_000);
});
