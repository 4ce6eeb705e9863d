import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, parseCapacityArgs, runCapacityCli } from './capacity-cli.js';
import { planCapacity } from './capacity-plan.js';
import { billingOf, dynamodbUnitsUsd } from './dynamodb-cost.js';
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
    [['--rate', '100', '--legacy-claims', 'maybe'], '--legacy-claims must be off or check'],
    [['--rate', '100', '--colour'], "Unknown option '--colour'"],
    [['--rate', '100', '--branch-keys'], "Unknown option '--branch-keys'"],
    [
      ['--rate', '100', '--capacity-mode', 'reserved'],
      '--capacity-mode must be both or on-demand or provisioned',
    ],
    [['--rate', '100', '--target-utilization', '95'], '--target-utilization must be from 20 to 90'],
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
      // A fresh stack never checks plaintext claims; both capacity modes, at the stack's target.
      legacyClaims: false,
      billings: [{ mode: 'on-demand' }, { mode: 'provisioned', targetUtilizationPercent: 70 }],
    });
    expect(
      parseCapacityArgs([
        '--rate',
        '1',
        '--legacy-claims',
        'check',
        '--capacity-mode',
        'provisioned',
        '--target-utilization',
        '50',
      ]),
    ).toMatchObject({
      legacyClaims: true,
      billings: [{ mode: 'provisioned', targetUtilizationPercent: 50 }],
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
    // Data keys are wrapped by the cached branch key: KMS is off the command path.
    const kms = Object.values(tallies).flatMap((t) => Object.values(t.kmsCalls));
    const commands = Object.values(tallies).reduce((n, t) => n + t.commands, 0);
    expect(kms.reduce((a, b) => a + b, 0) / commands).toBeLessThan(0.1);
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
    expect(plan.costs[0]?.totalUsdPerMillion).toBeGreaterThan(0);
    // No setting of ours binds below the goal.
    for (const limit of plan.limits.filter((l) => l.owner === 'ours'))
      expect(limit.bindsAt, limit.name).toBeGreaterThanOrEqual(10_000);
  });

  it('prices DynamoDB on demand and provisioned from the same units; the rest is the same', async () => {
    const plan = planCapacity(await replayed(), { rate: 10_000, region: 'us-east-1' });
    const [onDemand, provisioned] = plan.costs;
    expect(onDemand?.billing).toEqual({ mode: 'on-demand' });
    expect(provisioned?.billing).toEqual({ mode: 'provisioned', targetUtilizationPercent: 70 });
    const line = (cost: typeof onDemand, item: string) => cost?.lines.find((l) => l.item === item);
    const writes = line(onDemand, 'DynamoDB writes');
    const mixUnits = plan.units.find((u) => u.kind === 'mix');
    const units = Object.values(mixUnits?.writeUnits ?? {}).reduce((a, b) => a + b, 0);
    expect(writes?.perCommand).toBeCloseTo(units, 9);
    // 0.625 USD per million write request units.
    expect(writes?.usdPerMillionCommands).toBeCloseTo(units * 0.625, 9);
    // A million units consumed over time need 1e6/3600 unit-hours, at 70%: 1/0.7 of that,
    // at 0.00065 USD a WCU-hour.
    expect(line(provisioned, 'DynamoDB writes')?.usdPerMillionCommands).toBeCloseTo(
      ((units * 1e6) / 3600 / 0.7) * 0.00065,
      9,
    );
    expect(line(provisioned, 'DynamoDB writes')?.perCommand).toBe(writes?.perCommand);
    expect(line(provisioned, 'DynamoDB reads')?.usdPerMillionCommands).toBeLessThan(
      line(onDemand, 'DynamoDB reads')?.usdPerMillionCommands ?? 0,
    );
    const rest = (cost: typeof onDemand) =>
      cost?.lines.filter((l) => !/^DynamoDB (reads|writes)$/.test(l.item));
    expect(rest(provisioned)).toEqual(rest(onDemand));
    expect(provisioned?.totalUsdPerMillion).toBeLessThan(onDemand?.totalUsdPerMillion ?? 0);
    // Provisioned capacity is held at units/0.7: the event store's 40,000 WCU quota binds there.
    expect(onDemand?.limits).toEqual([]);
    const eventStore = plan.units.find((u) => u.kind === 'mix')?.writeUnits.CustomerEvents ?? 0;
    const tableQuota = provisioned?.limits.find((l) =>
      l.name.startsWith('DynamoDB CustomerEvents writes provisioned at 70%'),
    );
    expect(tableQuota?.bindsAt).toBeCloseTo((40_000 * 0.7) / eventStore, 6);
    expect(provisioned?.increasesNeeded).toContain(tableQuota);
    // A lower target keeps more capacity idle and costs more.
    const half = planCapacity(await replayed(), {
      rate: 10_000,
      region: 'us-east-1',
      billings: [billingOf('provisioned', 35)],
    });
    expect(line(half.costs[0], 'DynamoDB writes')?.usdPerMillionCommands).toBeCloseTo(
      2 * (line(provisioned, 'DynamoDB writes')?.usdPerMillionCommands ?? 0),
      9,
    );
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

describe('DynamoDB billing', () => {
  it('a million units: 0.625 USD on demand; provisioned, their unit-hours over the utilisation', () => {
    expect(dynamodbUnitsUsd({ mode: 'on-demand' }, 'write', 1e6)).toBeCloseTo(0.625, 12);
    expect(dynamodbUnitsUsd({ mode: 'on-demand' }, 'read', 1e6)).toBeCloseTo(0.125, 12);
    const full = { mode: 'provisioned', targetUtilizationPercent: 100 } as const;
    expect(dynamodbUnitsUsd(full, 'write', 3600)).toBeCloseTo(0.00065, 12);
    expect(dynamodbUnitsUsd(full, 'read', 3600)).toBeCloseTo(0.00013, 12);
    expect(dynamodbUnitsUsd(billingOf('provisioned', 50), 'write', 3600)).toBeCloseTo(0.0013, 12);
  });

  it('the report prints one USD column per capacity mode, or the one asked for', async () => {
    const run = async (...extra: string[]) => {
      const { lines, io: out } = io();
      const argv = ['--rate', '10000', '--customers', '5000', '--sample', '40', ...extra];
      expect(await runCapacityCli(argv, out)).toBe(0);
      const text = lines.join('\n');
      return text.slice(text.indexOf('### Cost per million commands'));
    };
    const both = await run();
    expect(both).toContain(
      '| item | per command | USD, on demand | USD, provisioned at 70% utilisation |',
    );
    expect(both).toMatch(/\| \*\*total\*\* \| \| \*\*[\d.]+\*\* \| \*\*[\d.]+\*\* \|/);
    const one = await run('--capacity-mode', 'provisioned', '--target-utilization', '80');
    expect(one).toContain('| item | per command | USD, provisioned at 80% utilisation |');
    expect(one).not.toContain('on demand');
  });
});
