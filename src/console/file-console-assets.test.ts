import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileConsoleAssets } from './file-console-assets.js';

const folder = mkdtempSync(join(tmpdir(), 'console-assets-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the bundle shipped as files (the Lambda package)', () => {
  it('write-assets writes the four files that FileConsoleAssets then serves', async () => {
    const target = join(folder, 'console');
    execFileSync(process.execPath, ['--import', 'tsx', 'src/console/write-assets.ts', target]);
    expect(readdirSync(target).sort()).toEqual([
      'console.css',
      'console.js',
      'docs.css',
      'docs.js',
    ]);
    const assets = new FileConsoleAssets(target);
    const script = await assets.get('console.js');
    expect(script?.contentType).toBe('text/javascript; charset=utf-8');
    expect(script?.body.length).toBeGreaterThan(10_000);
    expect(await assets.get('missing.js')).toBeUndefined();
  });

  it('serves only plain file names from its folder', async () => {
    writeFileSync(join(folder, 'secret.js'), 'secret');
    const assets = new FileConsoleAssets(join(folder, 'console'));
    expect(await assets.get('../secret.js')).toBeUndefined();
    expect(await assets.get('..%2Fsecret.js')).toBeUndefined();
  });
});
