/**
 * `npm run idle-cpu`: how much CPU an idle `npm start` burns.
 *
 * Starts the service (src/local/main.ts) as a child in its own process group with a
 * temporary DATA_DIR and PORT 3999 (or $PORT), waits until it listens, lets it settle for
 * IDLE_CPU_WARMUP_SECONDS (10), then reads utime + stime of node and of DynamoDB Local's
 * java from /proc/<pid>/stat at the start and the end of IDLE_CPU_SECONDS (60) without
 * sending it a single request. Prints the share of one core for each process and both
 * together, then stops the service with SIGINT, as Ctrl-C would, and checks that java went
 * with it. IDLE_CPU_THREADS=1 also lists the busiest threads of each (JIT compiler, GC,
 * SQLite, event loop), to tell what is left.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  commandName,
  startServiceProcess,
  waitForServiceExit,
} from '../test/faults/service-process.js';

const secondsFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of seconds`);
  return value;
};

const SECONDS = secondsFromEnv('IDLE_CPU_SECONDS', 60);
const WARMUP_SECONDS = secondsFromEnv('IDLE_CPU_WARMUP_SECONDS', 10);
const PORT = Number(process.env.PORT ?? 3999);

/** Clock ticks per second, the unit of utime and stime (100 on every Linux we run on). */
const clockTicks = (): number => {
  const probe = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(probe.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
};

/** utime + stime of one process in ticks, or `undefined` once it is gone. */
const cpuTicks = (pid: number): number | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
};

/** utime + stime per thread of one process, keyed by thread id and name. */
const threadTicks = (pid: number): Map<string, number> => {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      threads.set(`${tid} ${name}`, Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended in between.
    }
  }
  return threads;
};

const busiestThreads = (before: Map<string, number>, after: Map<string, number>) =>
  [...after]
    .map(([thread, ticks]) => [thread, ticks - (before.get(thread) ?? 0)] as const)
    .filter(([, ticks]) => ticks > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const percent = (ticks: number, ticksPerSecond: number, seconds: number) =>
  (100 * ticks) / ticksPerSecond / seconds;

const main = async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'idle-cpu-'));
  const service = await startServiceProcess({ dataDir, port: PORT });
  try {
    const java = service.dynamodbPid;
    if (commandName(java) !== 'java') throw new Error('DynamoDB Local (java) is not running');
    console.log(`service listening on ${service.url} (node ${service.pid}, java ${java})`);
    await sleep(WARMUP_SECONDS * 1000);

    const ticksPerSecond = clockTicks();
    const pids = { node: service.pid, java };
    const before = { node: cpuTicks(pids.node), java: cpuTicks(pids.java) };
    const threadsBefore = { node: threadTicks(pids.node), java: threadTicks(pids.java) };
    const startedAt = performance.now();
    await sleep(SECONDS * 1000);
    const after = { node: cpuTicks(pids.node), java: cpuTicks(pids.java) };
    const threadsAfter = { node: threadTicks(pids.node), java: threadTicks(pids.java) };
    const seconds = (performance.now() - startedAt) / 1000;
    if ([before.node, before.java, after.node, after.java].some((t) => t === undefined)) {
      throw new Error('the service or DynamoDB Local exited while being measured');
    }
    const node = (after.node ?? 0) - (before.node ?? 0);
    const javaTicks = (after.java ?? 0) - (before.java ?? 0);
    const share = (ticks: number) => `${percent(ticks, ticksPerSecond, seconds).toFixed(2)}%`;
    console.log(
      `idle for ${seconds.toFixed(1)} s after ${WARMUP_SECONDS} s of warm-up ` +
        `(${new Date().toISOString()}; ${cpus().length} CPUs, ${cpus()[0]?.model ?? '?'}; ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
    );
    console.log('| process | CPU s | % of one core |');
    console.log('| --- | --- | --- |');
    console.log(`| node | ${(node / ticksPerSecond).toFixed(2)} | ${share(node)} |`);
    console.log(`| java | ${(javaTicks / ticksPerSecond).toFixed(2)} | ${share(javaTicks)} |`);
    console.log(
      `| together | ${((node + javaTicks) / ticksPerSecond).toFixed(2)} | ${share(node + javaTicks)} |`,
    );
    if (process.env.IDLE_CPU_THREADS === '1') {
      for (const which of ['node', 'java'] as const) {
        const busiest = busiestThreads(threadsBefore[which], threadsAfter[which]);
        console.log(`${which} threads: ${busiest.map(([t, n]) => `${t} ${share(n)}`).join(', ')}`);
      }
    }
  } finally {
    // SIGINT to node alone, as Ctrl-C: it stops java itself.
    try {
      process.kill(service.pid, 'SIGINT');
    } catch {}
    const clean = await Promise.race([
      service.exited.then(() => true),
      sleep(20_000).then(() => false),
    ]);
    const gone = clean && (await waitForServiceExit(service, 10_000));
    if (!gone) {
      console.error('the service did not stop on SIGINT; killing its process group');
      await service.stop(1000);
      process.exitCode = 1;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
};

await main();
