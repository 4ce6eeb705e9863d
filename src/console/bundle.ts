import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const UI = join(dirname(fileURLToPath(import.meta.url)), 'ui');

/**
 * Bundles the console with esbuild into `console.js`, `console.css`, `docs.js` and
 * `docs.css`, in memory. Everything the pages load comes from these files: no CDN.
 */
export const bundleConsole = async (): Promise<Map<string, string>> => {
  const result = await build({
    entryPoints: { console: join(UI, 'main.ts'), docs: join(UI, 'docs', 'main.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    outdir: '/console-assets',
    write: false,
    logLevel: 'silent',
    legalComments: 'eof',
  });
  return new Map(
    result.outputFiles.map((file) => [file.path.split('/').at(-1) ?? file.path, file.text]),
  );
};
