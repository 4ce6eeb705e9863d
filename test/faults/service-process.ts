import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLocalStack, type LocalEndpoints } from '../../src/local/endpoints-file.js';
import { freePort } from '../../src/local/free-port.js';
import { LOCAL_PORTS } from '../../src/local/local-ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm start`'s entry point run as a child in its own process group, as a terminal runs it;
 * DynamoDB Local's java runs in a group of its own, which the terminal's signals miss.
 */
export interface ServiceProcess {
  /** Pid of the node process, which is also the process group id. */
  pid: number;
  /** Pid of the DynamoDB Local it started (`dynamodbPid` in endpoints.json). */
  dynamodbPid: number;
  url: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  queueUrl: string;
  dlqUrl: string;
  /** What it wrote to `<dataDir>/endpoints.json` once it was up. */
  endpoints: LocalEndpoints;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the node process has exited (not its group). */
  exited: Promise<void>;
  /**
   * SIGKILL to node's whole group and to java. With `storeGraceMs`, node dies first and
   * java that much later: DynamoDB Local acknowledges a TransactWriteItems before it is on
   * disk (a SIGKILL right after can drop the last acknowledged one), where DynamoDB is
   * durable once it answers; the grace keeps the store's promise as on AWS.
   */
  kill(options?: { storeGraceMs?: number }): Promise<void>;
  /**
   * SIGTERM (a clean stop), then SIGKILL to the group and java after `timeoutMs`; resolves
   * when all of them are gone.
   */
  stop(timeoutMs?: number): Promise<void>;
}

interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
}

const readStat = (pid: string): ProcStat | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
};

/**
 * Live members of a process group, from /proc. Zombies are left out: after a SIGKILL the
 * orphaned java may wait for a reaper, but it runs nothing and holds no port.
 */
export const groupMembers = (pgid: number): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(readStat)
    .filter((stat): stat is ProcStat => stat !== undefined)
    .filter((stat) => stat.pgrp === pgid && stat.state !== 'Z')
    .map((stat) => stat.pid);

/** Resident memory of one process in KiB (`VmRSS` of /proc/<pid>/status), if it is alive. */
export const rssKiB = (pid: number): number | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
};

/** First line of `/proc/<pid>/cmdline`-style name, to tell node from java in reports. */
export const commandName = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
};

/** Live processes of a started service: its group's, and DynamoDB Local's java. */
export const serviceMembers = (service: Pick<ServiceProcess, 'pid' | 'dynamodbPid'>): number[] => {
  const members = groupMembers(service.pid);
  const java = readStat(String(service.dynamodbPid));
  if (java && java.state !== 'Z' && !members.includes(java.pid)) members.push(java.pid);
  return members;
};

/** Resolves `true` once none of the service's processes is left, `false` after `timeoutMs`. */
export const waitForServiceExit = async (
  service: Pick<ServiceProcess, 'pid' | 'dynamodbPid'>,
  timeoutMs: number,
): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (serviceMembers(service).length === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return serviceMembers(service).length === 0;
};

export const waitForGroupExit = async (pgid: number, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (groupMembers(pgid).length === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return groupMembers(pgid).length === 0;
};

const killPid = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

/** Negative pid: the group this child leads, which is ours alone. */
const killGroup = (pgid: number, signal: NodeJS.Signals) => killPid(-pgid, signal);

/**
 * Starts `node --import tsx src/local/main.ts` with its own DynamoDB Local on `dataDir`,
 * and resolves once it serves HTTP, with the endpoints it printed.
 */
export const startServiceProcess = async (options: {
  dataDir: string;
  port?: number;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<ServiceProcess> => {
  // Free ports, not the fixed defaults: a developer's own `npm start` may hold those.
  const ports: Record<string, string> = {};
  for (const { variable } of Object.values(LOCAL_PORTS)) ports[variable] = String(await freePort());
  if (options.port !== undefined) ports.PORT = String(options.port);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...ports,
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'WARN',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...options.env,
  };
  // Never aim the child at another DynamoDB, whatever the caller's shell says.
  delete env.AWS_ENDPOINT_URL_DYNAMODB;
  delete env.AWS_ENDPOINT_URL;
  delete env.AWS_PROFILE;
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_WEB_IDENTITY_TOKEN_FILE;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the service process did not start');
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  let ready = false;
  while (!ready) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the service exited during start-up:\n${output}`);
    }
    if (Date.now() > deadline) {
      killGroup(pid, 'SIGKILL');
      throw new Error(`the service did not start in time:\n${output}`);
    }
    ready = output.includes('Press Ctrl-C to stop.');
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }

  const stack = findLocalStack(options.dataDir);
  if (stack.status !== 'running') {
    throw new Error(`the service wrote no usable endpoints file (${stack.status}):\n${output}`);
  }
  const { endpoints } = stack;
  const dynamodbPid = endpoints.dynamodbPid;
  if (dynamodbPid === undefined) {
    throw new Error(`the service named no DynamoDB Local pid:\n${output}`);
  }
  const killJava = () => {
    // Only while it is still the java this service started, not a reused pid.
    if (readStat(String(dynamodbPid))?.state !== undefined && commandName(dynamodbPid) === 'java') {
      killPid(dynamodbPid, 'SIGKILL');
    }
  };
  return {
    pid,
    dynamodbPid,
    url: endpoints.http,
    dynamodbEndpoint: endpoints.dynamodb,
    sqsEndpoint: endpoints.sqs,
    queueUrl: endpoints.queues.projection,
    dlqUrl: endpoints.queues.dlq,
    endpoints,
    output: () => output,
    exited,
    kill: async (killOptions = {}) => {
      if (killOptions.storeGraceMs) {
        killPid(pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, killOptions.storeGraceMs));
      }
      killGroup(pid, 'SIGKILL');
      killJava();
    },
    async stop(timeoutMs = 15_000) {
      // To node alone, as Ctrl-C would: it stops java itself, which is the path under test.
      killPid(pid, 'SIGTERM');
      const clean = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs)),
      ]);
      // A clean stop also stops java; whatever is left goes now.
      if (!clean || serviceMembers({ pid, dynamodbPid }).length > 0) {
        killGroup(pid, 'SIGKILL');
        killJava();
      }
      await waitForServiceExit({ pid, dynamodbPid }, 10_000);
    },
  };
};

/**
 * The service started again and again on one data folder, as a developer restarts
 * `npm start`: `start` adds a process, `stopAll` kills whatever is still running, waits for
 * it, says which pids outlived it (none may), and removes the folder.
 */
export const serviceRestarts = async (options: {
  prefix: string;
  env?: Record<string, string>;
}) => {
  const dataDir = await mkdtemp(join(tmpdir(), options.prefix));
  const started: ServiceProcess[] = [];
  return {
    dataDir,
    start: async () => {
      const service = await startServiceProcess({
        dataDir,
        ...(options.env ? { env: options.env } : {}),
      });
      started.push(service);
      return service;
    },
    /** Pids of the processes started that are still alive after the stop. */
    stopAll: async (): Promise<number[]> => {
      for (const service of started) {
        await service.kill();
        await waitForServiceExit(service, 10_000);
      }
      const left = started.flatMap((service) => serviceMembers(service));
      await rm(dataDir, { recursive: true, force: true });
      return left;
    },
  };
};
