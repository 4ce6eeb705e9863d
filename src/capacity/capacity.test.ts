import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, parseCapacityArgs, runCapacityCli } from './capacity-cli.js';
import { planCapacity } from './capacity-plan.js';
import { EmailPopulation } from './email-population.js';
import { type ReplayResult, replayWorkload } from './replay.js';

const io = () => {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
};

describe('npm run capacity: arguments', () => {
  it.each([
    [['--customers', '10'], '--rate is required'],
    [['--rate', 'fast'], '--rate must be a positive number, not "fast"'],
    [['--rate', '100', '--customers', '1.5'], '--customers must be a positive whole number'],
    [['--rate', '100', '--mix', 'email=80,delete=20'], '"delete" is not a command kind'],
    [['--rate', '100', '--mix', 'email='], 'email needs a share'],
    [['--rate', '100', '--region', 'mars'], '"mars" is not a Region name'],
    [['--rate', '100', '--legacy-claims', 'maybe'], '--legacy-claims must be check or off'],
    [['--rate', '100', '--colour'], "Unknown option '--colour'"],
  ])('%j: a clear error and exit 2', async (argv, message) => {
    const { lines, io: out } = io();
    expect(await runCapacityCli(argv, out)).toBe(EXIT_USAGE);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toMatch(/^usage: npm run capacity/);
  });

  it('reads the documented form', () => {
    expect(
      parseCapacityArgs([
        '--rate',
        '10000',
        '--customers',
        '10_000_000',
        '--mix',
        'email=80,register=15,suspend=5',
      ]),
    ).toMatchObject({
      rate: 10_000,
      customers: 10_000_000,
      mix: { email: 80, register: 15, suspend: 5 },
      region: 'us-east-1',
      json: false,
    });
  });
});

describe('real-world email shapes', () => {
  it('are the same for a seed, distinct, and as skewed as the data says', () => {
    const draw = (seed: number, n: number) => {
      const population = new EmailPopulation(seed);
      return Array.from({ length: n }, () => population.next().email);
    };
    const emails = draw(3, 20_000);
    expect(draw(3, 50)).toEqual(emails.slice(0, 50));
    expect(new Set(emails).size).toBe(emails.length);
    const share = (test: (e: string) => boolean) => emails.filter(test).length / emails.length;
    expect(share((e) => e.endsWith('@gmail.com'))).toBeGreaterThan(0.27);
    expect(share((e) => e.endsWith('@gmail.com'))).toBeLessThan(0.33);
    // First letters are far from uniform (1/26 would be 3.8%).
    expect(share((e) => e.startsWith('j'))).toBeGreaterThan(0.08);
    for (const email of emails.slice(0, 500))
      expect(email).toMatch(/^[a-z0-9.]+@[a-z0-9.-]+\.[a-z]+$/);
  });
});

describe('the replay through the service and the plan', () => {
  let replay: ReplayResult;
  const replayed = async () => {
    replay ??= await replayWorkload({
      customers: 1_000_000,
      mix: { email: 80, register: 15, suspend: 5 },
      sample: 120,
      seed: 5,
      rate: 10_000,
      legacyClaims: true,
      idempotencyKeys: true,
    });
    return replay;
  };

  it('counts what the adapters write: a registration writes its event, claim, key and view', async () => {
    const { tallies } = await replayed();
    expect(tallies.register.commands).toBeGreaterThan(0);
    expect(tallies.register.rejected).toBe(0);
    expect(tallies.register.projectionFailures).toBe(0);
    // One transaction (event, idempotency record, hashed claim, legacy check) per command.
    expect(tallies.register.dynamodbCalls.TransactWriteItems).toBe(tallies.register.commands);
    // Data keys are wrapped by the branch key: KMS made its material once (and the claims'
    // secret once), however many customers registered.
    const kms = Object.values(tallies).flatMap((tally) => Object.values(tally.kmsCalls));
    expect(kms.reduce((sum, calls) => sum + calls, 0)).toBeLessThanOrEqual(2);
    // Each command's event reaches the bus once and the queue once.
    for (const tally of Object.values(tallies)) {
      expect(tally.busEntries).toBe(tally.commands - tally.rejected);
      expect(tally.queueMessages).toBe(tally.busEntries);
    }
  });

  it('finds no hot key at the goal: the status and email keys are write-sharded', async () => {
    // The planner's own sample size: a key's share of a few hundred writes is mostly noise.
    const large = await replayWorkload({ ...(await replayed()).options, sample: 2000 });
    const plan = planCapacity(large, { rate: 10_000, region: 'us-east-1' });
    const byStatus = plan.hotKeys.find((k) => k.target === 'CustomerViews/byStatusShard');
    expect(byStatus?.partitionKey).toMatch(/^ACTIVE#\d+$/);
    expect(plan.hotKeys.filter((k) => k.hot)).toEqual([]);
    const email = plan.units.find((u) => u.kind === 'email');
    // The old and the new email key: a delete and a put in the index (the rare change to an
    // address in the same shard rewrites one entry).
    expect(email?.writeUnits['CustomerViews/byEmailShard']).toBeCloseTo(2, 1);
    // What binds first is a quota AWS raises on request, not a key or a setting of ours.
    expect(plan.firstLimit?.owner).toBe('aws');
    expect(plan.cost.totalUsdPerMillion).toBeGreaterThan(0);
  });

  it('legacy claims off writes two items fewer per email change', async () => {
    const off = await replayWorkload({
      ...(await replayed()).options,
      sample: 40,
      mix: { email: 1, register: 0, suspend: 0 },
      legacyClaims: false,
    });
    const on = await replayWorkload({ ...off.options, legacyClaims: true });
    const perCommand = (r: ReplayResult) =>
      (r.tallies.email.writeUnits.CustomerEvents ?? 0) / r.tallies.email.commands;
    // A legacy check and a legacy release, each 2 units inside the transaction.
    expect(perCommand(on) - perCommand(off)).toBe(4);
  });
});
