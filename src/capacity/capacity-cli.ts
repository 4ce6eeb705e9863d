/**
 * `npm run capacity -- --rate 10000 --customers 10000000 [--mix email=80,register=15,suspend=5]
 * [--region us-east-1] [--capacity-mode both|on-demand|provisioned] [--json]`: replays the
 * workload through the service's own code and prints the hottest keys, capacity units, rates
 * against AWS's quotas, cost per million commands (by DynamoDB capacity mode), and the first
 * limit that binds. Bad arguments: a message and exit code 2.
 */
import { parseArgs } from 'node:util';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FAILED, EXIT_OK } from '../ops/cli-io.js';
import { deployedStack, planCapacity } from './capacity-plan.js';
import { renderPlan } from './capacity-report.js';
import {
  billingOf,
  CAPACITY_MODES,
  type CapacityMode,
  DEFAULT_TARGET_UTILIZATION_PERCENT,
  TARGET_UTILIZATION_RANGE,
} from './dynamodb-cost.js';
import { COMMAND_KINDS, type Mix, replayWorkload } from './replay.js';

export const EXIT_USAGE = EXIT_FAILED;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE =
  'usage: npm run capacity -- --rate <commands/s> [--customers N] [--mix email=80,register=15,suspend=5] [--region us-east-1] [--json] [--sample N] [--seed N] [--legacy-claims off|check] [--idempotency-keys on|off] [--capacity-mode both|on-demand|provisioned] [--target-utilization 20-90] [--api-rate N] [--projector-concurrency N]';

const positive = (flag: string, raw: string | undefined, fallback: number, integer = true) => {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
    throw new UsageError(
      `--${flag} must be a positive ${integer ? 'whole ' : ''}number, not "${raw}"`,
    );
  return value;
};

export const parseMix = (raw: string): Mix => {
  const mix: Mix = { email: 0, register: 0, suspend: 0 };
  for (const part of raw.split(',')) {
    const [name, share] = part.split('=').map((s) => s.trim());
    if (!name || !(COMMAND_KINDS as readonly string[]).includes(name))
      throw new UsageError(
        `--mix: "${name ?? part}" is not a command kind (${COMMAND_KINDS.join(', ')})`,
      );
    const value = Number(share);
    if (share === undefined || share === '' || !Number.isFinite(value) || value < 0)
      throw new UsageError(`--mix: ${name} needs a share, as in ${name}=80`);
    mix[name as keyof Mix] = value;
  }
  if (Object.values(mix).every((v) => v === 0))
    throw new UsageError('--mix needs at least one command kind with a positive share');
  return mix;
};

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export const parseCapacityArgs = (argv: string[]) => {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        rate: { type: 'string' },
        customers: { type: 'string' },
        mix: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean' },
        sample: { type: 'string' },
        seed: { type: 'string' },
        'legacy-claims': { type: 'string' },
        'idempotency-keys': { type: 'string' },
        'capacity-mode': { type: 'string' },
        'target-utilization': { type: 'string' },
        'api-rate': { type: 'string' },
        'projector-concurrency': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const text = (name: string) => values[name] as string | undefined;
  if (text('rate') === undefined) throw new UsageError('--rate is required');
  const region = text('region') ?? 'us-east-1';
  if (!REGION.test(region)) throw new UsageError(`--region: "${region}" is not a Region name`);
  const choice = (name: string, allowed: string[], fallback: string) => {
    const value = text(name) ?? fallback;
    if (!allowed.includes(value))
      throw new UsageError(`--${name} must be ${allowed.join(' or ')}, not "${value}"`);
    return value;
  };
  const mix = parseMix(text('mix') ?? 'email=80,register=15,suspend=5');
  const utilization = positive(
    'target-utilization',
    text('target-utilization'),
    DEFAULT_TARGET_UTILIZATION_PERCENT,
  );
  const range = TARGET_UTILIZATION_RANGE;
  if (utilization < range.min || utilization > range.max)
    throw new UsageError(
      `--target-utilization must be from ${range.min} to ${range.max} (percent), not ${utilization}`,
    );
  const mode = choice('capacity-mode', ['both', ...CAPACITY_MODES], 'both');
  const modes = mode === 'both' ? CAPACITY_MODES : [mode as CapacityMode];
  const stack = deployedStack(mix);
  return {
    rate: positive('rate', text('rate'), 10_000, false),
    customers: positive('customers', text('customers'), 10_000_000),
    mix,
    region,
    json: values.json === true,
    sample: positive('sample', text('sample'), 2000),
    seed: positive('seed', text('seed'), 1),
    // A fresh stack marks its store hashed-only; `check` prices an upgraded one (docs/privacy.md).
    legacyClaims: choice('legacy-claims', ['off', 'check'], 'off') === 'check',
    idempotencyKeys: choice('idempotency-keys', ['on', 'off'], 'on') === 'on',
    billings: modes.map((m) => billingOf(m, utilization)),
    apiRate: positive('api-rate', text('api-rate'), stack.apiRateLimit),
    projectorConcurrency: positive(
      'projector-concurrency',
      text('projector-concurrency'),
      stack.projectorMaxConcurrency,
    ),
  };
};

export const runCapacityCli = async (argv: string[], io: CliIo = consoleIo): Promise<number> => {
  let args: ReturnType<typeof parseCapacityArgs>;
  try {
    args = parseCapacityArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`capacity: ${error.message}`);
    io.err(USAGE);
    return EXIT_USAGE;
  }
  const stack = {
    ...deployedStack(args.mix),
    apiRateLimit: args.apiRate,
    projectorMaxConcurrency: args.projectorConcurrency,
  };
  const replay = await replayWorkload({
    customers: args.customers,
    mix: args.mix,
    sample: args.sample,
    seed: args.seed,
    rate: args.rate,
    legacyClaims: args.legacyClaims,
    idempotencyKeys: args.idempotencyKeys,
    streamBatchSize: stack.streamBatchSize,
    queueBatchSize: stack.queueBatchSize,
  });
  const plan = planCapacity(replay, {
    rate: args.rate,
    region: args.region,
    stack,
    billings: args.billings,
  });
  if (args.json) {
    io.out(
      JSON.stringify(
        {
          workload: {
            rate: args.rate,
            customers: args.customers,
            mix: args.mix,
            region: args.region,
            sample: args.sample,
            seed: args.seed,
            legacyClaims: args.legacyClaims,
            idempotencyKeys: args.idempotencyKeys,
          },
          ...plan,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      renderPlan(plan, {
        customers: args.customers,
        mix: args.mix,
        legacyClaims: args.legacyClaims,
        idempotencyKeys: args.idempotencyKeys,
      }),
    );
  }
  return EXIT_OK;
};

runAsScript(import.meta.url, () => runCapacityCli(process.argv.slice(2)));
