import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOnce, opsAuditTarget } from './audit.js';
import { customerScript, isSuccess, sendStep } from './scripted-customers.js';
import { serviceMembers, serviceRestarts, waitForServiceExit } from './service-process.js';

const ROUNDS = 3;
const CUSTOMERS = 8;
const STEPS = 4;
/** Accepted commands before Ctrl-C: the rest of the round's commands are still coming. */
const INTERRUPT_AFTER_ACCEPTED = 10;
const TABLES = { COMMAND_TABLE: 'CustomerEvents', QUERY_TABLE: 'CustomerViews' };

/** How many views the start found behind their stream (the banner's read model line). */
const viewsFoundBehind = (output: string): number => {
  const match = /read model: +(\d+) views were behind and caught up, (\d+) failed/.exec(output);
  if (!match) throw new Error(`the start did not report catching the read model up:\n${output}`);
  expect(Number(match[2])).toBe(0);
  return Number(match[1]);
};

/**
 * Every view equals the fold of its stream, right after the start: no waiting for healing.
 * Commands cut off by a stop may have committed unanswered, so there may be more streams.
 */
const expectViewsCaughtUp = async (dataDir: string, atLeastStreams: number) => {
  const audited = opsAuditTarget({ DATA_DIR: dataDir });
  const report = await auditOnce(audited).finally(() => audited.close());
  expect(report.examples).toEqual([]);
  expect(report.clean).toBe(true);
  expect(report.streams).toBeGreaterThanOrEqual(atLeastStreams);
  expect(report.counts.ok).toBe(report.streams);
};

describe('Ctrl-C (SIGINT to the whole process group) while commands flow, then a restart', () => {
  let restarts: Awaited<ReturnType<typeof serviceRestarts>>;
  let dataDir: string;

  beforeAll(async () => {
    restarts = await serviceRestarts({ prefix: 'fault-sigint-', env: TABLES });
    dataDir = restarts.dataDir;
  });
  afterAll(async () => {
    // Also reached when a test fails or times out: nothing of ours may outlive the run.
    expect(await restarts.stopAll()).toEqual([]);
  });

  const start = () => restarts.start();

  it('stops cleanly every time, and every restart finds each view equal to the fold of its stream', async () => {
    /** Customers with an event known to be in the store (a 2xx). */
    const registered = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const service = await start();
      // The last stop read the stream's tail and drained the queue: nothing was behind.
      expect(viewsFoundBehind(service.output())).toBe(0);
      await expectViewsCaughtUp(dataDir, registered.size);

      let accepted = 0;
      let interrupted = false;
      await Promise.all(
        Array.from({ length: CUSTOMERS }, (_, c) => customerScript(`sigint${round}`, c, STEPS)).map(
          async (script) => {
            for (const step of script) {
              const outcome = await sendStep(service.url, step);
              if (!isSuccess(outcome)) return;
              registered.add(step.customerId);
              accepted++;
              if (accepted >= INTERRUPT_AFTER_ACCEPTED && !interrupted) {
                interrupted = true;
                // As a terminal's Ctrl-C: the signal goes to every process of the group.
                process.kill(-service.pid, 'SIGINT');
              }
            }
          },
        ),
      );
      expect(interrupted).toBe(true);
      expect(await waitForServiceExit(service, 30_000)).toBe(true);
      await service.exited;

      const output = service.output();
      expect(output).toContain('SIGINT: stopping...');
      // DynamoDB Local outlived every use of it: nothing failed for want of it.
      expect(output).not.toContain('ECONNREFUSED');
      expect(existsSync(join(dataDir, 'stopped-cleanly'))).toBe(true);
      expect(existsSync(join(dataDir, 'endpoints.json'))).toBe(false);
    }

    const last = await start();
    expect(viewsFoundBehind(last.output())).toBe(0);
    await expectViewsCaughtUp(dataDir, registered.size);
    expect(registered.size).toBeGreaterThanOrEqual(ROUNDS);
    await last.stop();
    expect(serviceMembers(last)).toEqual([]);
  }, 120_000);
});
