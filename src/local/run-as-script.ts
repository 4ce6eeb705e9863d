import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Runs `main` when the module at `moduleUrl` is the script Node was started with (not when a
 * test imports it), and sets the process's exit code from its answer.
 */
export const runAsScript = (moduleUrl: string, main: () => Promise<number>): void => {
  const script = process.argv[1];
  if (!script) return;
  try {
    if (moduleUrl !== pathToFileURL(realpathSync(script)).href) return;
  } catch {
    return;
  }
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
};
