import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleConsole } from './bundle.js';

const BUDGET_BYTES = 150 * 1024;

describe('the console bundle', () => {
  let files: Map<string, string>;
  beforeAll(async () => {
    files = await bundleConsole();
  });

  it('holds the two pages’ scripts and styles, under 150 KB of JavaScript gzipped', () => {
    expect([...files.keys()].sort()).toEqual(['console.css', 'console.js', 'docs.css', 'docs.js']);
    const scripts = [...files].filter(([name]) => name.endsWith('.js'));
    const gzipped = scripts.reduce((sum, [, body]) => sum + gzipSync(body).length, 0);
    expect(gzipped).toBeGreaterThan(10 * 1024);
    expect(gzipped).toBeLessThan(BUDGET_BYTES);
  });

  it('loads nothing from elsewhere: no URL but XML namespaces', () => {
    for (const [name, body] of files) {
      const urls = (body.match(/https?:\/\/[^\s"'`)]+/g) ?? []).filter(
        (url) => !url.startsWith('http://www.w3.org/'),
      );
      expect(urls, name).toEqual([]);
    }
  });
});
