/**
 * `node --import tsx src/console/write-assets.ts <folder>`: writes the console bundle into a
 * folder, for a Lambda package that serves it through `FileConsoleAssets`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleConsole } from './bundle.js';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: write-assets.ts <folder>');
  process.exit(2);
}
mkdirSync(folder, { recursive: true });
for (const [name, body] of await bundleConsole()) writeFileSync(join(folder, name), body);
