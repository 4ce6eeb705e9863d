// `npm test` on a fresh machine: the console's browser tests drive Debian's Chromium.
// Installs it when missing and this is a Debian-like machine run as root; otherwise says how.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (apt.status !== 0 || !root) {
    console.error(
      `The console's browser tests need Chromium at ${chromium}: install it (Debian: \`apt-get install chromium\`) or set CHROMIUM_PATH.`,
    );
    process.exit(1);
  }
  console.log('Installing Chromium for the browser tests (apt-get install chromium)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'chromium'],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
  if (!existsSync(chromium)) {
    console.error(`Chromium was installed, but not at ${chromium}: set CHROMIUM_PATH.`);
    process.exit(1);
  }
}
