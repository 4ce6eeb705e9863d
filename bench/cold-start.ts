import { spawn } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  BUNDLE_BUDGET_BYTES,
  EXTERNAL_MODULES,
  HANDLER_ENTRIES,
  type HandlerName,
  lambdaBuildOptions,
  PROJECT_ROOT,
} from '../infra/bundling.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { shortError } from './short-error.js';
import { stackEnvironments } from './stack-environments.js';
import { median, round } from './stats.js';

export interface ColdStartRow {
  handler: HandlerName;
  entry: string;
  /** Minified, with the stack's esbuild options (AWS SDK external: the runtime has it). */
  bundleBytes: number;
  /** The same with nothing external, for a runtime without the SDK. */
  selfContainedBytes: number;
  /** `await import(bundle)` in a fresh Node process. */
  importMedianMs: number;
  importMinMs: number;
  importMaxMs: number;
  /** The self-contained bundle's import: the difference is resolving the external SDK. */
  selfContainedImportMedianMs: number;
  /** From the process's time origin to the handler being imported. */
  processToHandlerMedianMs: number;
  /** Connections the imports opened to the dummy AWS endpoint: must be 0. */
  awsConnectionsDuringImport: number;
}

export interface ColdStartResult {
  budgetBytes: number;
  runs: number;
  rows: ColdStartRow[];
}

const bundle = async (name: HandlerName, outdir: string, external: string[]) => {
  const entry = HANDLER_ENTRIES[name];
  await build(lambdaBuildOptions(name, outdir, external));
  const file = join(outdir, `${basename(entry, '.ts')}.mjs`);
  return { file, bytes: (await stat(file)).size };
};

/** A TCP port that counts connections and answers nothing: a call to AWS would show here. */
const startSink = async () => {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const PROBE = `
const started = performance.now();
const mod = await import(process.argv[1]);
const imported = performance.now();
if (typeof mod.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ importMs: imported - started, sinceOriginMs: imported }));
`;

const importOnce = (file: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ importMs: number; sinceOriginMs: number }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', PROBE, pathToFileURL(file).href],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        return reject(
          new Error(`import of ${basename(file)} failed (${code}): ${shortError(err)}`),
        );
      }
      try {
        resolve(JSON.parse(out) as { importMs: number; sinceOriginMs: number });
      } catch (error) {
        reject(new Error(`import probe printed ${JSON.stringify(out)}`, { cause: error }));
      }
    });
  });

export const runColdStart = async (
  options: BenchOptions,
  progress: Progress,
): Promise<ColdStartResult> => {
  const names = Object.keys(HANDLER_ENTRIES) as HandlerName[];
  // Under the project, so the external AWS SDK resolves from node_modules as it would from
  // the Lambda runtime.
  const root = join(PROJECT_ROOT, options.outDir, 'bundles');
  await rm(root, { recursive: true, force: true });
  const phase = progress.phase(
    'cold start: bundle and import',
    names.length * (2 + options.importRuns),
  );
  const sink = await startSink();
  // What each function's environment holds in the stack, so each bundle imports as deployed.
  const environments = stackEnvironments(sink.endpoint);
  const rows: ColdStartRow[] = [];
  try {
    for (const name of names) {
      const deployed = await bundle(name, join(root, name), EXTERNAL_MODULES);
      phase.tick();
      const selfContained = await bundle(name, join(root, `${name}-self-contained`), []);
      phase.tick();
      const environment = environments[name];
      if (!environment) throw new Error(`the stack has no function running ${name}`);
      const env: NodeJS.ProcessEnv = {
        ...environment,
        PATH: process.env.PATH,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // What the Lambda runtime adds; every AWS call would reach the sink.
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_ENDPOINT_URL: sink.endpoint,
        AWS_LAMBDA_FUNCTION_NAME: name,
      };
      const before = sink.connections();
      const samples: { importMs: number; sinceOriginMs: number }[] = [];
      for (let run = 0; run < options.importRuns; run++) {
        samples.push(await importOnce(deployed.file, env));
        phase.tick();
      }
      const imports = samples.map((s) => s.importMs);
      const selfContainedImports: number[] = [];
      for (let run = 0; run < options.importRuns; run++) {
        selfContainedImports.push((await importOnce(selfContained.file, env)).importMs);
        phase.tick();
      }
      rows.push({
        handler: name,
        entry: HANDLER_ENTRIES[name],
        bundleBytes: deployed.bytes,
        selfContainedBytes: selfContained.bytes,
        importMedianMs: round(median(imports)),
        importMinMs: round(Math.min(...imports)),
        importMaxMs: round(Math.max(...imports)),
        selfContainedImportMedianMs: round(median(selfContainedImports)),
        processToHandlerMedianMs: round(median(samples.map((s) => s.sinceOriginMs))),
        awsConnectionsDuringImport: sink.connections() - before,
      });
    }
  } finally {
    await sink.close();
    phase.done();
  }
  return { budgetBytes: BUNDLE_BUDGET_BYTES, runs: options.importRuns, rows };
};
