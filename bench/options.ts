export const SECTIONS = [
  'command',
  'load',
  'projection',
  'cold',
  'service',
  'encryption',
  'access',
  'cost',
  'reconciler',
  'views',
  'registry',
] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  /** Every section once on tiny inputs: proves each runs, measures nothing (`npm test`). */
  smoke: boolean;
  sections: Set<Section>;
  /** Command path: customers, `UpdateEmail` commands per customer, worker counts, rounds. */
  customers: number;
  updates: number;
  concurrency: number[];
  rounds: number;
  /** Command-path targets to run; the raw baseline always runs. */
  targets: string[];
  /** Whole-service targets (servers in processes of their own), in the first round's order. */
  serviceTargets: string[];
  /** Aggregate loading: stream lengths and timed loads per case. */
  loadSizes: number[];
  loadRepeats: number;
  snapshotEvery: number;
  /** Projection: command rate and duration of the lag run, projector workers to try. */
  rate: number;
  lagSeconds: number;
  projectorConcurrency: number[];
  /** Cold start: fresh processes per handler. */
  importRuns: number;
  /** Reconciler: changed streams per measured run. */
  reconcilerStreams: number[];
  outDir: string;
  /** Whole-service section: a fresh DynamoDB Local for every target and round. */
  serviceFreshDynamoDB: boolean;
  /** Whole-service section: a folder for a V8 CPU profile of every server (`--cpu-prof`). */
  profileDir?: string;
}

const USAGE = `Usage: npm run bench -- [--quick | --smoke] [--only=command,load,projection,cold,service,encryption,access,cost,reconciler,views,registry] [--name=value ...]

--smoke runs every section, the whole-service one too, once on tiny inputs (a check that
each still runs; its figures mean nothing).

Every setting is also an environment variable (flag --customers = BENCH_CUSTOMERS):
  --customers            customers in the command workload        (200; quick 20)
  --updates              UpdateEmail commands per customer        (4)
  --concurrency          worker counts, comma separated           (1,16)
  --rounds               repetitions of each command run          (1)
  --targets              command-path targets, comma separated, or all
                         (raw,raw+claims,service,service+key,http; quick raw,service,http;
                         all adds handler, http+key)
  --service-targets      whole-service section (--only=service), comma separated, or all
                         (raw,raw-guarded,no-pipeline,npm-start; all adds
                         raw-late-release, no-pipeline-nocache)
  --load-sizes           stream lengths to load                   (10,100,1000,5000; quick 10,1000)
  --load-repeats         timed loads per stream                   (15; quick 5)
  --snapshot-every       the service's snapshot interval          (50)
  --rate                 commands/s in the projection lag run     (200)
  --lag-seconds          length of the lag run                    (20; quick 3)
  --projector-concurrency projector workers to measure, comma sep. (1,4; quick 1)
  --import-runs          fresh processes per handler import       (7; quick 3)
  --reconciler-streams   changed streams per reconciler run       (100000,400000; quick 2000,8000)
  --out-dir              where the JSON goes                      (bench-results)
  --service-fresh-dynamodb  whole-service section: a fresh DynamoDB Local per target and
                         round instead of one per round shared by its targets
  --profile-dir          whole-service section: a CPU profile per server there
                         (summarise with bench/profile-summary.ts)`;

/** `--smoke` sizes, where they are smaller than `--quick`'s. */
const SMOKE: Record<string, string> = {
  customers: '2',
  updates: '1',
  concurrency: '1',
  targets: 'raw,service,http',
  'service-targets': 'raw,no-pipeline',
  'load-sizes': '10',
  'load-repeats': '1',
  rate: '20',
  'lag-seconds': '1',
  'projector-concurrency': '1',
  'import-runs': '1',
  'reconciler-streams': '200',
};

const toEnvName = (flag: string) => `BENCH_${flag.replace(/-/g, '_').toUpperCase()}`;

const positiveInt = (name: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive whole number, not "${raw}"`);
  }
  return value;
};

const intList = (name: string, raw: string): number[] =>
  raw.split(',').map((part) => positiveInt(name, part.trim()));

/** Settings from flags, then `BENCH_*` variables, then defaults (smaller with `--quick`). */
export const parseOptions = (
  argv: readonly string[],
  env: Record<string, string | undefined>,
): BenchOptions => {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`Unknown argument "${arg}"\n${USAGE}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const known = new Set([
    'quick',
    'smoke',
    'only',
    'customers',
    'updates',
    'concurrency',
    'rounds',
    'targets',
    'service-targets',
    'load-sizes',
    'load-repeats',
    'snapshot-every',
    'rate',
    'lag-seconds',
    'projector-concurrency',
    'import-runs',
    'reconciler-streams',
    'out-dir',
    'profile-dir',
    'service-fresh-dynamodb',
  ]);
  for (const name of flags.keys()) {
    if (!known.has(name)) throw new Error(`Unknown flag --${name}\n${USAGE}`);
  }
  const get = (name: string) => flags.get(name) ?? env[toEnvName(name)];
  const smoke = ['true', '1'].includes(get('smoke') ?? '');
  const quick = smoke || ['true', '1'].includes(get('quick') ?? '');
  const pick = (name: string, full: string, short = full) =>
    get(name) ?? (smoke ? (SMOKE[name] ?? short) : quick ? short : full);

  const only = get('only');
  const sections = new Set<Section>();
  // The whole-service section starts servers of its own and takes minutes: only on request
  // (and in the smoke run, which runs every section).
  const defaults = SECTIONS.filter((s) => smoke || s !== 'service').join(',');
  for (const part of (only ?? defaults).split(',')) {
    const section = part.trim() as Section;
    if (!SECTIONS.includes(section)) {
      throw new Error(`--only takes ${SECTIONS.join(', ')}; "${part}" is none of them`);
    }
    sections.add(section);
  }

  return {
    quick,
    smoke,
    sections,
    customers: positiveInt('customers', pick('customers', '200', '20')),
    updates: positiveInt('updates', pick('updates', '4')),
    concurrency: intList('concurrency', pick('concurrency', '1,16')),
    rounds: positiveInt('rounds', pick('rounds', '1')),
    targets: pick('targets', 'raw,raw+claims,service,service+key,http', 'raw,service,http')
      .split(',')
      .map((t) => t.trim()),
    serviceTargets: pick('service-targets', 'raw,raw-guarded,no-pipeline,npm-start')
      .split(',')
      .map((t) => t.trim()),
    loadSizes: intList('load-sizes', pick('load-sizes', '10,100,1000,5000', '10,1000')),
    loadRepeats: positiveInt('load-repeats', pick('load-repeats', '15', '5')),
    snapshotEvery: positiveInt('snapshot-every', pick('snapshot-every', '50')),
    rate: positiveInt('rate', pick('rate', '200')),
    lagSeconds: positiveInt('lag-seconds', pick('lag-seconds', '20', '3')),
    projectorConcurrency: intList(
      'projector-concurrency',
      pick('projector-concurrency', '1,4', '1'),
    ),
    importRuns: positiveInt('import-runs', pick('import-runs', '7', '3')),
    reconcilerStreams: intList(
      'reconciler-streams',
      pick('reconciler-streams', '100000,400000', '2000,8000'),
    ),
    outDir: pick('out-dir', 'bench-results'),
    serviceFreshDynamoDB: ['true', '1'].includes(get('service-fresh-dynamodb') ?? ''),
    ...(get('profile-dir') ? { profileDir: get('profile-dir') } : {}),
  };
};
