import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const SIMULATOR = '@cloud-copilot/';

/** Every TypeScript or JavaScript file under `dir`, node_modules aside. */
const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });

/** Shipped code: what is bundled, deployed or run by `npm start`, `npm run …` and `cdk`. */
const shipped = () =>
  ['src', 'infra', 'bench', 'scripts']
    .flatMap(sources)
    .filter((path) => !/\.test\.ts$|\.contract\.ts$/.test(path));

/**
 * The IAM simulator is AGPL-3.0: the proof in `test/iam/` may use it, nothing shipped may
 * import it, directly or through the test code that does.
 */
describe('the IAM simulator stays a test-only dependency', () => {
  it('is a dev dependency only', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const named = (deps: Record<string, string> = {}) =>
      Object.keys(deps).filter((name) => name.startsWith(SIMULATOR));
    expect(named(manifest.dependencies)).toEqual([]);
    expect(named(manifest.devDependencies)).toEqual(['@cloud-copilot/iam-simulate']);
  });

  it('is imported by no shipped file, nor is the test code that imports it', () => {
    const files = shipped();
    expect(files.length).toBeGreaterThan(50);
    const offending = files.filter((path) => {
      const text = readFileSync(join(ROOT, path), 'utf8');
      return text.includes(SIMULATOR) || /from ['"][./]*test\/iam\//.test(text);
    });
    expect(offending.map((path) => relative(ROOT, join(ROOT, path)))).toEqual([]);
  });

  it('would be caught: the check finds the import in the proof itself', () => {
    const proof = readFileSync(join(ROOT, 'test/iam/evaluate-calls.ts'), 'utf8');
    expect(proof).toContain(`from '${SIMULATOR}iam-simulate'`);
  });
});
