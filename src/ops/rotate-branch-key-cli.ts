/**
 * `npm run rotate-branch-key`: makes a new version of the branch key that wraps the data
 * keys active. Older versions stay readable and no data key is rewritten; every process
 * wraps new keys under the new version within BRANCH_KEY_CACHE_TTL_SECONDS. The stack also
 * rotates on a schedule. Finds the local stack `npm start` runs, unless AWS settings are
 * given (see `ops-target.ts`); needs KMS_KEY_ID (the local stack's endpoints file gives it).
 */
import { parseArgs } from 'node:util';
import type { Env } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_OK } from './cli-io.js';
import { runOpsTool } from './ops-session.js';

export const runRotateBranchKeyCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
): Promise<number> =>
  runOpsTool({ env, io, label: 'rotate-branch-key failed' }, async (open) => {
    parseArgs({ args: argv, options: {}, strict: true });
    const crypto = open().service.crypto;
    if (!crypto) throw new Error('KMS_KEY_ID is not set (the key that protects the branch key)');
    const { previous, active } = await crypto.branchKeys.rotate();
    io.out(
      `branch key ${crypto.branchKeys.branchKeyId}: version ${active} is active${previous ? ` (was ${previous}, still readable)` : ' (its first version)'}`,
    );
    return EXIT_OK;
  });

runAsScript(import.meta.url, () => runRotateBranchKeyCli(process.argv.slice(2)));
