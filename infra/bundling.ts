import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build } from 'esbuild';

/**
 * How every function is bundled, in one place: the stack hands these options to
 * `NodejsFunction`, and `bundle-sizes.ts` hands the same ones to esbuild directly, so the
 * size budget measures what is deployed.
 */

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Entry points, relative to the project root; each exports `handler`. */
export const HANDLER_ENTRIES = {
  commandApi: 'src/lambda/command-api.ts',
  queryApi: 'src/lambda/query-api.ts',
  publisher: 'src/lambda/publisher.ts',
  projector: 'src/lambda/projector.ts',
  reconciler: 'src/lambda/reconciler.ts',
  opsApi: 'src/lambda/ops-api.ts',
  branchKeyRotator: 'src/lambda/branch-key-rotator.ts',
  preTokenGeneration: 'src/lambda/pre-token-generation.ts',
  claimsMarker: 'src/lambda/claims-marker.ts',
} as const;
export type HandlerName = keyof typeof HANDLER_ENTRIES;

/** Minified JavaScript per function, source map excluded. */
export const BUNDLE_BUDGET_BYTES = 500 * 1024;

/** Must match the Lambda runtime the stack deploys. */
export const NODE_TARGET = 'node22';

/** Some CommonJS dependencies call `require` at run time, which an ES module lacks. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * The Node.js 22 runtime ships AWS SDK v3, so bundling it would only add ~350 KB per
 * function; everything else (zod, hono, Powertools) is bundled and pinned by the lock file.
 */
export const EXTERNAL_MODULES = ['@aws-sdk/*'];

/** Prefer ES module builds so esbuild can drop unused code. */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * The query function serves the operator console: its bundle (built by esbuild from
 * `src/console/`) is written beside the handler, where `FileConsoleAssets` reads it.
 */
const CONSOLE_ASSETS_HOOK: BundlingOptions['commandHooks'] = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => [
    `node --import tsx "${join(inputDir, 'src/console/write-assets.ts')}" "${join(outputDir, 'console')}"`,
  ],
};

export const cdkBundlingOptions = (handler?: HandlerName): BundlingOptions => ({
  ...(handler === 'queryApi' ? { commandHooks: CONSOLE_ASSETS_HOOK } : {}),
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: NODE_TARGET,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: MAIN_FIELDS,
  banner: ESM_REQUIRE_BANNER,
  externalModules: EXTERNAL_MODULES,
  tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
});

export interface BundleSize {
  name: HandlerName;
  entry: string;
  bytes: number;
  sourceMapBytes: number;
  /** Bytes each package (or `src`) contributes, largest first: where to look when over budget. */
  largestInputs: [string, number][];
}

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'src';

/**
 * esbuild options that bundle one handler as the stack does (`external` defaults to what
 * the Lambda runtime provides), for the size check and the cold-start benchmark.
 */
export const lambdaBuildOptions = (
  name: HandlerName,
  outdir: string,
  external: string[] = EXTERNAL_MODULES,
): BuildOptions => ({
  entryPoints: [join(PROJECT_ROOT, HANDLER_ENTRIES[name])],
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  minify: true,
  mainFields: MAIN_FIELDS,
  banner: { js: ESM_REQUIRE_BANNER },
  external,
  tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
  logLevel: 'silent',
});

/** Bundles one handler as the stack would and returns the size of what Lambda loads. */
export const measureBundle = async (name: HandlerName): Promise<BundleSize> => {
  const entry = HANDLER_ENTRIES[name];
  const outdir = await mkdtemp(join(tmpdir(), `bundle-${name}-`));
  try {
    const { metafile } = await build({
      ...lambdaBuildOptions(name, outdir),
      metafile: true,
      sourcemap: true,
      sourcesContent: false,
    });
    const file = join(outdir, `${basename(entry, '.ts')}.mjs`);
    const [code, map] = await Promise.all([stat(file), stat(`${file}.map`)]);
    const byPackage = new Map<string, number>();
    for (const output of Object.values(metafile.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
      }
    }
    const largestInputs = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 3);
    return { name, entry, bytes: code.size, sourceMapBytes: map.size, largestInputs };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
};

export const measureAllBundles = (): Promise<BundleSize[]> =>
  Promise.all((Object.keys(HANDLER_ENTRIES) as HandlerName[]).map(measureBundle));
