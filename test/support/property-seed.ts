import fc from 'fast-check';
import { beforeEach } from 'vitest';

/**
 * Every property test (and `fc.sample`) in a test file draws from one seed, printed when a
 * test fails, so the failure replays with `FC_SEED=<seed> npx vitest run <file>`.
 */
const fromEnv = process.env.FC_SEED;
const seed = fromEnv === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(fromEnv);
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be a whole number, not "${fromEnv}"`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });

beforeEach(({ onTestFailed, task }) => {
  onTestFailed(() => {
    console.error(`fast-check seed of "${task.name}": ${seed} (replay with FC_SEED=${seed})`);
  });
});
