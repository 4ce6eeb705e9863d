import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/local/free-port.js';
import { LOCAL_PORTS } from '../src/local/local-ports.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A server under test in a process of its own. */
export interface ServerProcess {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/** Process CPU time (user + system) in microseconds, from /proc. */
export const cpuMicros = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
};

/** Resident set size in MiB, from /proc. */
export const rssMiB = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? Number.NaN) / 1024;
};

/** The environment without anything that would aim the child at AWS or another stack. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
};

/** With a folder, every server writes a V8 CPU profile there when it stops. */
const profileFlags = (profileDir: string | undefined) =>
  profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];

const launch = (
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  cleanup: () => void,
  profileDir?: string,
): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    const nodeArgs = [...profileFlags(profileDir), '--import', 'tsx', ...args];
    const child: ChildProcess = spawn(process.execPath, nodeArgs, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      cleanup();
    };
    const timeout = setTimeout(() => {
      void stop().then(() => reject(new Error(`server did not start:\n${output.slice(-2000)}`)));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 20_000) output = output.slice(-10_000);
      const match = ready.exec(output);
      if (match?.[1] && child.pid) {
        clearTimeout(timeout);
        resolve({ pid: child.pid, url: match[1], stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`server exited (${code}) before it served:\n${output.slice(-2000)}`));
    });
  });

/** `bench/raw-server.ts` on a table the caller created. */
export const startRawServer = (
  dynamodbEndpoint: string,
  tableName: string,
  mode: 'raw' | 'guarded' | 'late-release',
  profileDir?: string,
): Promise<ServerProcess> =>
  launch(
    ['bench/raw-server.ts'],
    { ...cleanEnv(), RAW_ENDPOINT: dynamodbEndpoint, RAW_TABLE: tableName, RAW_MODE: mode },
    /listening (http:\/\/\S+)/,
    () => {},
    profileDir,
  );

/**
 * `npm start` (src/local/main.ts) against the given DynamoDB, with every port free, its
 * own data folder and tables; `--no-pipeline` when `pipeline` is false.
 */
export const startServiceProcess = async (options: {
  dynamodbEndpoint: string;
  tables: { events: string; views: string };
  pipeline: boolean;
  env?: Record<string, string>;
  profileDir?: string;
}): Promise<ServerProcess> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-service-'));
  const ports: Record<string, string> = {};
  for (const { variable } of Object.values(LOCAL_PORTS)) ports[variable] = String(await freePort());
  return launch(
    ['src/local/main.ts', '--create-tables', ...(options.pipeline ? [] : ['--no-pipeline'])],
    {
      ...cleanEnv(),
      ...ports,
      DATA_DIR: dataDir,
      AWS_ENDPOINT_URL_DYNAMODB: options.dynamodbEndpoint,
      COMMAND_TABLE: options.tables.events,
      QUERY_TABLE: options.tables.views,
      // A log line per request would charge the pipe to the benchmark process too.
      LOG_LEVEL: 'WARN',
      ...options.env,
    },
    /listening on (http:\/\/\S+)/,
    () => rmSync(dataDir, { recursive: true, force: true }),
    options.profileDir,
  );
};
