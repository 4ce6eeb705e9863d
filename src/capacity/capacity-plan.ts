import { defaultStackSizing } from '../../infra/stack-sizing.js';
import { type PriceName, priceOf, type QuotaName, quotaIn } from './aws-tables.js';
import { type Billing, billingOf, CAPACITY_MODES, dynamodbUnitsUsd } from './dynamodb-cost.js';
import {
  COMMAND_KINDS,
  type CommandKind,
  emptyTally,
  type Mix,
  type ReplayResult,
  type Tally,
} from './replay.js';

/**
 * What the replay cannot count, stated: how long each function runs and with how much memory,
 * and what it logs. Durations are typical of a warm function on DynamoDB in the same Region
 * (a few single-digit-millisecond calls each); memory is the stack's.
 */
export interface FunctionAssumptions {
  commandMs: number;
  publisherBatchMs: number;
  projectorBatchMs: number;
  commandMemoryMb: number;
  publisherMemoryMb: number;
  projectorMemoryMb: number;
  /** Log and EMF bytes per invocation, Lambda's own START/END/REPORT lines included. */
  logBytesPerInvocation: number;
}

export const DEFAULT_ASSUMPTIONS: FunctionAssumptions = {
  commandMs: 40,
  publisherBatchMs: 120,
  projectorBatchMs: 150,
  commandMemoryMb: 512,
  publisherMemoryMb: 256,
  projectorMemoryMb: 512,
  logBytesPerInvocation: 1000,
};

/** The stack's own settings that bound throughput (today's defaults in the stack). */
export interface StackSettings {
  /** The HTTP API's default-stage throttle (requests/s). */
  apiRateLimit: number;
  /** The projector's event source `maxConcurrency`. */
  projectorMaxConcurrency: number;
  queueBatchSize: number;
  streamBatchSize: number;
}

/** The catalog's operation id of each command kind: its route's throttle. */
const OPERATION_OF: Record<CommandKind, string> = {
  register: 'registerCustomer',
  email: 'changeCustomerEmail',
  suspend: 'suspendCustomer',
};

/**
 * The stack as it deploys by default (`infra/stack-sizing.ts`, the same figures the stack
 * reads): each command route's throttle, as the rate of the whole mix it lets through, is the
 * lowest of throttle ÷ share over the kinds in the mix.
 */
export const deployedStack = (mix: Mix): StackSettings => {
  const sizing = defaultStackSizing();
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  const allowed = COMMAND_KINDS.filter((kind) => mix[kind] > 0).map((kind) => {
    const throttle = sizing.routeThrottles[OPERATION_OF[kind]];
    if (!throttle) throw new Error(`no route throttle for ${OPERATION_OF[kind]}`);
    return throttle.rateLimit / (mix[kind] / total);
  });
  return {
    apiRateLimit: Math.floor(Math.min(...allowed)),
    projectorMaxConcurrency: sizing.projectorMaxConcurrency,
    queueBatchSize: 10,
    streamBatchSize: 100,
  };
};

export interface PlanOptions {
  rate: number;
  region: string;
  assumptions?: FunctionAssumptions;
  stack?: StackSettings;
  /** How DynamoDB is billed, one cost per entry; default: on demand and provisioned. */
  billings?: Billing[];
}

export interface HotKey {
  target: string;
  partitionKey: string;
  /** Share of all the target's writes that land on this key. */
  share: number;
  writesPerCommand: number;
  writesPerSecond: number;
  /** Over half the partition limit at this rate. */
  hot: boolean;
}

export interface UnitsPerCommand {
  kind: CommandKind | 'mix';
  commands: number;
  readUnits: Record<string, number>;
  writeUnits: Record<string, number>;
  dynamodbCalls: Record<string, number>;
  kmsCalls: number;
  busEntries: number;
}

export interface ServiceRate {
  name: string;
  perCommand: number;
  perSecond: number;
  quota: number | null;
  unit: string;
  /** The command rate at which this quota is reached. */
  bindsAt: number | null;
  adjustable: boolean;
  source: string;
}

export interface CostLine {
  item: string;
  perCommand: number;
  unit: string;
  usdPerMillionCommands: number;
}

export interface ModeCost {
  billing: Billing;
  lines: CostLine[];
  totalUsdPerMillion: number;
  /** Provisioned only: the capacity quotas the units at the target utilisation reach. */
  limits: Limit[];
  /** Those of `limits` the rate needs raised. */
  increasesNeeded: Limit[];
}

export interface Limit {
  name: string;
  bindsAt: number;
  /** `aws`: a quota AWS raises on request; `aws-fixed`: one it never raises; `ours`: ours. */
  owner: 'aws' | 'aws-fixed' | 'ours';
  raisedBy: string;
}

export interface CapacityPlan {
  rate: number;
  region: string;
  sample: number;
  hotKeys: HotKey[];
  units: UnitsPerCommand[];
  services: ServiceRate[];
  /** One per billing of `PlanOptions.billings`, in that order; only DynamoDB's lines differ. */
  costs: ModeCost[];
  limits: Limit[];
  firstLimit: Limit | undefined;
  /** Adjustable AWS quotas the rate needs raised. */
  increasesNeeded: Limit[];
  assumptions: FunctionAssumptions;
  stack: StackSettings;
}

const PARTITION_WRITES = 1000;

/**
 * Provisioned capacity is held at consumed/target: the per-table (and per-index) and the
 * account's provisioned quotas bind at that, not at the units consumed.
 */
const provisionedLimits = (
  billing: Billing,
  units: { read: Record<string, number>; write: Record<string, number> },
  region: string,
): Limit[] => {
  if (billing.mode !== 'provisioned') return [];
  const utilization = billing.targetUtilizationPercent / 100;
  const limits: Limit[] = [];
  const check = (what: string, key: QuotaName, perCommand: number) => {
    const quota = quotaIn(key, region);
    if (quota.value === null || perCommand === 0) return;
    limits.push({
      name: `${what} provisioned at ${billing.targetUtilizationPercent}%: ${quota.value} ${quota.unit}`,
      bindsAt: (quota.value * utilization) / perCommand,
      owner: quota.adjustable ? 'aws' : 'aws-fixed',
      raisedBy: quota.adjustable ? 'a quota increase (Service Quotas)' : 'design',
    });
  };
  for (const kind of ['write', 'read'] as const) {
    const table =
      kind === 'write' ? 'dynamodb.provisionedTableWrites' : 'dynamodb.provisionedTableReads';
    for (const [target, perCommand] of Object.entries(units[kind]))
      check(`DynamoDB ${target} ${kind}s`, table, perCommand);
    check(
      `DynamoDB ${kind}s of all tables`,
      kind === 'write' ? 'dynamodb.accountProvisionedWrites' : 'dynamodb.accountProvisionedReads',
      sum(Object.values(units[kind])),
    );
  }
  return limits.sort((a, b) => a.bindsAt - b.bindsAt);
};
const sum = (values: Iterable<number>) => [...values].reduce((n, v) => n + v, 0);

const combine = (tallies: Tally[]): Tally => {
  const out = emptyTally();
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  for (const t of tallies) {
    out.commands += t.commands;
    out.rejected += t.rejected;
    out.projectionFailures += t.projectionFailures;
    add(out.dynamodbCalls, t.dynamodbCalls);
    add(out.readUnits, t.readUnits);
    add(out.writeUnits, t.writeUnits);
    add(out.kmsCalls, t.kmsCalls);
    out.putEventsCalls += t.putEventsCalls;
    out.busEntries += t.busEntries;
    out.queueMessages += t.queueMessages;
    out.invocations.command += t.invocations.command;
    out.invocations.publisher += t.invocations.publisher;
    out.invocations.projector += t.invocations.projector;
  }
  return out;
};

const perCommand = (record: Record<string, number>, commands: number) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, commands ? v / commands : 0]));

const unitsOf = (kind: UnitsPerCommand['kind'], tally: Tally): UnitsPerCommand => ({
  kind,
  commands: tally.commands,
  readUnits: perCommand(tally.readUnits, tally.commands),
  writeUnits: perCommand(tally.writeUnits, tally.commands),
  dynamodbCalls: perCommand(tally.dynamodbCalls, tally.commands),
  kmsCalls: tally.commands ? sum(Object.values(tally.kmsCalls)) / tally.commands : 0,
  busEntries: tally.commands ? tally.busEntries / tally.commands : 0,
});

/** The hottest partition-key value of every table and index, by share of the sample's writes. */
const hotKeysOf = (replay: ReplayResult, commands: number, rate: number): HotKey[] =>
  [...replay.keyWrites].map(([target, keys]) => {
    let partitionKey = '';
    let most = 0;
    for (const [key, count] of keys) {
      if (count > most) {
        most = count;
        partitionKey = key;
      }
    }
    const writesPerCommand = most / commands;
    const writesPerSecond = writesPerCommand * rate;
    return {
      target,
      partitionKey,
      share: most / (replay.targetWrites.get(target) ?? 1),
      writesPerCommand,
      writesPerSecond,
      hot: writesPerSecond > PARTITION_WRITES / 2,
    };
  });

/**
 * The plan for a rate: per-command figures from the replay (a sample, so one replay serves
 * every rate), times the rate, against AWS's quota table and the stack's own settings;
 * cost from the same counts times the price table.
 */
export const planCapacity = (replay: ReplayResult, options: PlanOptions): CapacityPlan => {
  const { rate, region } = options;
  const assumptions = options.assumptions ?? DEFAULT_ASSUMPTIONS;
  const stack = options.stack ?? deployedStack(replay.options.mix);
  const kinds = COMMAND_KINDS.filter((k) => replay.tallies[k].commands > 0);
  const mix = combine(kinds.map((k) => replay.tallies[k]));
  const n = Math.max(mix.commands, 1);
  const per = (value: number) => value / n;

  const kmsPerCommand = per(sum(Object.values(mix.kmsCalls)));
  const putEventsPerCommand = per(mix.putEventsCalls);
  const entriesPerCommand = per(mix.busEntries);
  const messagesPerCommand = per(mix.queueMessages);
  const invocations = {
    command: per(mix.invocations.command),
    publisher: per(mix.invocations.publisher),
    projector: per(mix.invocations.projector),
  };
  const busySeconds =
    (invocations.command * assumptions.commandMs +
      invocations.publisher * assumptions.publisherBatchMs +
      invocations.projector * assumptions.projectorBatchMs) /
    1000;

  const service = (
    name: string,
    quotaKey: QuotaName,
    perCommandValue: number,
    perSecondOverride?: number,
  ): ServiceRate => {
    const quota = quotaIn(quotaKey, region);
    const perSecond = perSecondOverride ?? perCommandValue * rate;
    return {
      name,
      perCommand: perCommandValue,
      perSecond,
      quota: quota.value,
      unit: quota.unit,
      bindsAt: quota.value === null || perCommandValue === 0 ? null : quota.value / perCommandValue,
      adjustable: quota.adjustable,
      source: quota.source,
    };
  };
  const tableWrites = [...Object.entries(mix.writeUnits)].map(([target, units]) =>
    service(`DynamoDB ${target} writes (WRU)`, 'dynamodb.tableWrites', per(units)),
  );
  const tableReads = [...Object.entries(mix.readUnits)].map(([table, units]) =>
    service(`DynamoDB ${table} reads (RRU)`, 'dynamodb.tableReads', per(units)),
  );
  const services: ServiceRate[] = [
    ...tableWrites,
    ...tableReads,
    service('KMS requests', 'kms.symmetricRequests', kmsPerCommand),
    service('EventBridge PutEvents requests', 'eventbridge.putEvents', putEventsPerCommand),
    service('EventBridge invocations (to SQS)', 'eventbridge.invocations', entriesPerCommand),
    service('Lambda concurrency', 'lambda.concurrency', busySeconds),
    service('API Gateway requests', 'apigateway.httpApiRequests', 1),
  ];

  const hotKeys = hotKeysOf(replay, n, rate);
  const limits: Limit[] = [];
  for (const key of hotKeys) {
    if (key.writesPerCommand === 0) continue;
    limits.push({
      name: `hottest key of ${key.target} (${key.partitionKey.slice(0, 40)}): ${PARTITION_WRITES} writes/s per partition`,
      bindsAt: PARTITION_WRITES / key.writesPerCommand,
      owner: 'aws-fixed',
      raisedBy: 'design: spread the key (write sharding, a finer bucket)',
    });
  }
  for (const s of services) {
    if (s.bindsAt === null) continue;
    limits.push({
      name: `${s.name}: ${s.quota} ${s.unit}`,
      bindsAt: s.bindsAt,
      owner: s.adjustable ? 'aws' : 'aws-fixed',
      raisedBy: s.adjustable ? 'a quota increase (Service Quotas)' : 'design',
    });
  }
  limits.push({
    name: `the stack's API throttle: ${stack.apiRateLimit} requests/s`,
    bindsAt: stack.apiRateLimit,
    owner: 'ours',
    raisedBy: 'the stack setting',
  });
  const projectorMessagesPerSecond =
    (stack.projectorMaxConcurrency * stack.queueBatchSize * 1000) / assumptions.projectorBatchMs;
  if (messagesPerCommand > 0) {
    limits.push({
      name: `the projector's maxConcurrency ${stack.projectorMaxConcurrency}: ${Math.round(projectorMessagesPerSecond)} messages/s`,
      bindsAt: projectorMessagesPerSecond / messagesPerCommand,
      owner: 'ours',
      raisedBy: 'the stack setting',
    });
  }
  limits.sort((a, b) => a.bindsAt - b.bindsAt);

  const writeUnits = per(sum(Object.values(mix.writeUnits)));
  const readUnits = per(sum(Object.values(mix.readUnits)));
  const gbSeconds =
    (invocations.command * assumptions.commandMs * assumptions.commandMemoryMb +
      invocations.publisher * assumptions.publisherBatchMs * assumptions.publisherMemoryMb +
      invocations.projector * assumptions.projectorBatchMs * assumptions.projectorMemoryMb) /
    1000 /
    1024;
  const allInvocations = invocations.command + invocations.publisher + invocations.projector;
  // EventBridge's SendMessage per message, and Lambda's receive and delete per batch.
  const sqsRequests = messagesPerCommand * (1 + 2 / stack.queueBatchSize);
  const line = (item: string, key: PriceName, quantity: number, unit: string): CostLine => ({
    item,
    perCommand: quantity,
    unit,
    usdPerMillionCommands: priceOf(key, quantity * 1_000_000),
  });
  const unitsLine = (billing: Billing, kind: 'read' | 'write', quantity: number): CostLine => ({
    item: `DynamoDB ${kind}s`,
    perCommand: quantity,
    unit:
      billing.mode === 'on-demand'
        ? kind === 'read'
          ? 'RRU'
          : 'WRU'
        : kind === 'read'
          ? 'RCU'
          : 'WCU',
    usdPerMillionCommands: dynamodbUnitsUsd(billing, kind, quantity * 1_000_000),
  });
  const others = [
    line('DynamoDB stream reads (Lambda)', 'dynamodb.streamRead', invocations.publisher, 'calls'),
    line('KMS', 'kms.request', kmsPerCommand, 'requests'),
    line('EventBridge', 'eventbridge.customEvent', entriesPerCommand, 'events'),
    line('SQS', 'sqs.request', sqsRequests, 'requests'),
    line('Lambda requests', 'lambda.request', allInvocations, 'invocations'),
    line('Lambda duration', 'lambda.gbSecondArm', gbSeconds, 'GB-s'),
    line('API Gateway', 'apigateway.httpRequest', 1, 'requests'),
    line(
      'CloudWatch Logs',
      'cloudwatch.logsIngestedGb',
      (allInvocations * assumptions.logBytesPerInvocation) / 1e9,
      'GB',
    ),
  ];
  const costs = (options.billings ?? CAPACITY_MODES.map((mode) => billingOf(mode))).map(
    (billing): ModeCost => {
      const lines = [
        unitsLine(billing, 'write', writeUnits),
        unitsLine(billing, 'read', readUnits),
        ...others,
      ];
      const limits = provisionedLimits(
        billing,
        {
          read: Object.fromEntries(Object.entries(mix.readUnits).map(([t, u]) => [t, per(u)])),
          write: Object.fromEntries(Object.entries(mix.writeUnits).map(([t, u]) => [t, per(u)])),
        },
        region,
      );
      return {
        billing,
        lines,
        totalUsdPerMillion: sum(lines.map((l) => l.usdPerMillionCommands)),
        limits,
        increasesNeeded: limits.filter((l) => l.owner === 'aws' && l.bindsAt <= rate),
      };
    },
  );
  return {
    rate,
    region,
    sample: mix.commands,
    hotKeys,
    units: [...kinds.map((k) => unitsOf(k, replay.tallies[k])), unitsOf('mix', mix)],
    services,
    costs,
    limits,
    firstLimit: limits[0],
    increasesNeeded: limits.filter((l) => l.owner === 'aws' && l.bindsAt <= rate),
    assumptions,
    stack,
  };
};
