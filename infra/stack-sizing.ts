import type { WarmThroughput } from 'aws-cdk-lib/aws-dynamodb';
import type { Node } from 'constructs';
import { type CatalogRoute, serviceRoutes } from '../src/app/http/route-catalog.js';

/**
 * The workload the defaults are sized for: commands per second and their mix, by the
 * catalog's operation id. Each figure below says how it follows from this.
 */
export const SIZING_GOAL = {
  commandsPerSecond: 10_000,
  mix: { changeCustomerEmail: 0.8, registerCustomer: 0.15, suspendCustomer: 0.05 },
} as const;

/** Room above the goal in every default, so the goal is met without running at a limit. */
const HEADROOM = 1.5;

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface TableWarmThroughput {
  table: WarmThroughput;
  /** Applied to every secondary index of the table. */
  indexes: WarmThroughput;
}

/** How large the stack is: each field is a context setting (see `stack-context.ts`). */
export interface StackSizing {
  /** Routes without a throttle of their own: the console's public pages. */
  defaultRouteThrottle: Throttle;
  /**
   * By the catalog's operation id (`changeCustomerEmail`). A route without an entry (one a
   * module added after this sizing was made) gets `defaultRouteThrottle` for its side.
   */
  routeThrottles: Record<string, Throttle>;
  /** Concurrent projector invocations the queue's event source may run. */
  projectorMaxConcurrency: number;
  /** Reserved concurrency per function; absent: the function shares the account's pool. */
  reservedConcurrency: { commands?: number; publisher?: number; projector?: number };
  /** Concurrent publisher batches per stream shard (1 to 10). */
  streamParallelization: number;
  /** Warm throughput at creation; absent: DynamoDB's defaults for a new on-demand table. */
  warmThroughput?: { eventStore: TableWarmThroughput; views: TableWarmThroughput };
  /** Longest `?minVersion` wait inside the query function (`MIN_VERSION_WAIT_MS`). */
  minVersionWaitMs: number;
  /** How both tables are billed: per request, or provisioned and auto scaled. */
  capacity: TableCapacity;
}

/** Auto scaling's range for one kind of unit. */
export interface ScalingRange {
  min: number;
  max: number;
}

export interface AutoScaledUnits {
  read: ScalingRange;
  write: ScalingRange;
}

export interface ProvisionedTableCapacity {
  table: AutoScaledUnits;
  /** Applied to every secondary index of the table. */
  indexes: AutoScaledUnits;
}

export type CapacityMode = 'on-demand' | 'provisioned';
export const CAPACITY_MODES: readonly CapacityMode[] = ['on-demand', 'provisioned'];

export type TableCapacity =
  | { mode: 'on-demand' }
  | {
      mode: 'provisioned';
      /** Auto scaling keeps consumed units at this percentage of provisioned ones (20 to 90). */
      targetUtilizationPercent: number;
      eventStore: ProvisionedTableCapacity;
      views: ProvisionedTableCapacity;
    };

const ceilTo = (value: number, step: number) => Math.ceil(value / step) * step;

/** The catalog's operation id of a route, which names its throttle. */
export const operationIdOf = (route: Pick<CatalogRoute, 'method' | 'path' | 'route'>): string => {
  const id = route.route.operationId;
  if (!id) throw new StackSizingError(`route ${route.method} ${route.path} has no operationId`);
  return id;
};

/** Half a second of the rate may arrive at once. */
const throttleFor = (rate: number): Throttle => ({
  rateLimit: rate,
  burstLimit: Math.max(Math.ceil(rate / 2), 1),
});

/**
 * Command routes in the mix get their share of the goal with headroom; other command routes
 * the smallest share's figure. Reads by id are assumed at most half the command rate
 * (a `?minVersion` read after some commands); lists and searches a tenth. Operations are
 * operators' calls.
 */
export const defaultRouteThrottle = (route: CatalogRoute): Throttle => {
  const goal = SIZING_GOAL.commandsPerSecond;
  const shares: Record<string, number> = SIZING_GOAL.mix;
  const operationId = operationIdOf(route);
  if (route.side === 'commands') {
    const share = shares[operationId] ?? Math.min(...Object.values(shares));
    return throttleFor(ceilTo(goal * share * HEADROOM, 50));
  }
  if (route.side === 'queries') {
    return throttleFor(
      ceilTo((operationId === 'getCustomer' ? goal / 2 : goal / 10) * HEADROOM, 50),
    );
  }
  return { rateLimit: 20, burstLimit: 40 };
};

/**
 * The throttle of a service route: its own entry, else the default for its side and
 * operation, so a route the sizing does not list is neither refused nor left unthrottled.
 */
export const routeThrottle = (
  byOperation: Readonly<Record<string, Throttle>>,
  route: CatalogRoute,
): Throttle => {
  const operationId = operationIdOf(route);
  const own = Object.hasOwn(byOperation, operationId) ? byOperation[operationId] : undefined;
  return own ?? defaultRouteThrottle(route);
};

/**
 * Assumed time an invocation holds its concurrency, warm: a command's reads, transaction and
 * key unwrap; a projector batch of 10 (the service measured 130 to 200 events/s per
 * projector before any of this sizing).
 */
const COMMAND_SECONDS = 0.05;
const PROJECTOR_EVENTS_PER_SECOND = 130;
/**
 * Stream shards follow the event store's partitions: at the warm write figure below, one
 * per 1,000 write units. Each shard runs `streamParallelization` publishers.
 */
const STREAM_PARALLELIZATION = 4;

/**
 * Write units per command on the event store, the mix's average: a transaction costs 2 per
 * KB item. An email change writes its event, idempotency record, new claim and the old
 * claim's release (8); a registration its event, record, claim and data key (8); a
 * suspension its event and record (4). Reads: the stream's tail, the idempotency record and
 * a claim check, about 3. Each event also writes one change-index entry. The view table
 * takes one put per event and, on each index whose key changes, a delete and a put.
 */
const EVENT_STORE_WRITES_PER_COMMAND = 7.8;
const EVENT_STORE_READS_PER_COMMAND = 3;
const VIEW_WRITES_PER_COMMAND = 2;
const VIEW_INDEX_WRITES_PER_COMMAND = 2;
/** DynamoDB's warm throughput of a new on-demand table or index: asking less is a no-op. */
export const NEW_TABLE_WARM = { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 };

/**
 * Reads per command on the indexes: the change index is read by the reconciler's window
 * queries only; the views' indexes by the list and search routes, throttled at a tenth of the
 * goal.
 */
const EVENT_STORE_INDEX_READS_PER_COMMAND = 0.01;
const VIEW_INDEX_READS_PER_COMMAND = 0.1;

/**
 * Auto scaling's target: consumed units at 70% of provisioned leaves 30% for a burst while it
 * scales out (it acts on two minutes of CloudWatch data), and prices a provisioned unit used
 * at about 0.41 of an on-demand one (docs/capacity.md).
 */
export const DEFAULT_TARGET_UTILIZATION_PERCENT = 70;
/** Application Auto Scaling's range for DynamoDB's target tracking, in percent. */
export const TARGET_UTILIZATION_RANGE = { min: 20, max: 90 } as const;

/**
 * The range for units the goal consumes per second: up to the goal with headroom at the
 * target; down to a quarter of the goal at the target, so a quiet stack pays a quarter of
 * the goal's capacity and auto scaling climbs from there, not from a handful of units.
 */
const scaling = (units: number, targetPercent: number): ScalingRange => {
  const atTarget = units / (targetPercent / 100);
  const max = Math.max(ceilTo(atTarget * HEADROOM, 100), 100);
  return { min: Math.min(Math.max(ceilTo(atTarget / 4, 100), 5), max), max };
};

const autoScaled = (reads: number, writes: number, targetPercent: number): AutoScaledUnits => ({
  read: scaling(reads, targetPercent),
  write: scaling(writes, targetPercent),
});

/** Provisioned mode's defaults for the goal, at a target utilisation. */
export const defaultProvisionedCapacity = (
  targetUtilizationPercent = DEFAULT_TARGET_UTILIZATION_PERCENT,
): Extract<TableCapacity, { mode: 'provisioned' }> => {
  const goal = SIZING_GOAL.commandsPerSecond;
  const t = targetUtilizationPercent;
  return {
    mode: 'provisioned',
    targetUtilizationPercent: t,
    eventStore: {
      table: autoScaled(
        goal * EVENT_STORE_READS_PER_COMMAND,
        goal * EVENT_STORE_WRITES_PER_COMMAND,
        t,
      ),
      indexes: autoScaled(goal * EVENT_STORE_INDEX_READS_PER_COMMAND, goal, t),
    },
    views: {
      table: autoScaled(goal * 2, goal * VIEW_WRITES_PER_COMMAND, t),
      indexes: autoScaled(
        goal * VIEW_INDEX_READS_PER_COMMAND,
        goal * VIEW_INDEX_WRITES_PER_COMMAND,
        t,
      ),
    },
  };
};

/** `tableFromDefinition`'s provisioned props for one of the two tables, if provisioned. */
export const provisionedPropsOf = (capacity: TableCapacity, table: 'eventStore' | 'views') =>
  capacity.mode === 'provisioned'
    ? {
        provisioned: {
          targetUtilizationPercent: capacity.targetUtilizationPercent,
          capacity: capacity[table],
        },
      }
    : {};

const warm = (reads: number, writes: number): WarmThroughput => ({
  readUnitsPerSecond: Math.max(ceilTo(reads, 1000), NEW_TABLE_WARM.readUnitsPerSecond),
  writeUnitsPerSecond: Math.max(ceilTo(writes, 1000), NEW_TABLE_WARM.writeUnitsPerSecond),
});

export const defaultStackSizing = (): StackSizing => {
  const goal = SIZING_GOAL.commandsPerSecond;
  const eventStoreWrites = goal * EVENT_STORE_WRITES_PER_COMMAND * HEADROOM;
  const shards = Math.ceil(eventStoreWrites / 1000);
  const projectors = ceilTo((goal / PROJECTOR_EVENTS_PER_SECOND) * 2, 10);
  return {
    defaultRouteThrottle: { rateLimit: 100, burstLimit: 200 },
    routeThrottles: Object.fromEntries(
      serviceRoutes().map((r) => [operationIdOf(r), defaultRouteThrottle(r)]),
    ),
    projectorMaxConcurrency: projectors,
    reservedConcurrency: {
      commands: ceilTo(goal * COMMAND_SECONDS * 2, 100),
      publisher: ceilTo(shards * STREAM_PARALLELIZATION, 100),
      projector: projectors,
    },
    streamParallelization: STREAM_PARALLELIZATION,
    warmThroughput: {
      eventStore: {
        table: warm(goal * EVENT_STORE_READS_PER_COMMAND * HEADROOM, eventStoreWrites),
        indexes: warm(0, goal * HEADROOM),
      },
      views: {
        // Reads: the projector's batch reads plus the query routes' throttles.
        table: warm(goal * 2 * HEADROOM, goal * VIEW_WRITES_PER_COMMAND * HEADROOM),
        indexes: warm(0, goal * VIEW_INDEX_WRITES_PER_COMMAND * HEADROOM),
      },
    },
    minVersionWaitMs: 250,
    // A new, unknown load: on demand follows it from the first request.
    capacity: { mode: 'on-demand' },
  };
};

/**
 * The account concurrency the defaults assume (AWS's default is 1,000: request this). The
 * reservations take about 1,700; the rest is shared by the query and operations functions,
 * the reconciler, and Lambda's own 100 that are never reserved.
 */
export const ACCOUNT_CONCURRENCY = 3000;
/** Left unreserved by the defaults: the query function at its throttles, and the rest. */
export const UNRESERVED_NEEDED = 1000;

/** Total reserved concurrency of a sizing: Lambda keeps 100 of the account unreserved. */
export const reservedTotal = (sizing: StackSizing): number =>
  Object.values(sizing.reservedConcurrency).reduce((sum, n) => sum + (n ?? 0), 0);

export class StackSizingError extends Error {
  override readonly name = 'StackSizingError';
}

const text = (node: Node, key: string): string | undefined => {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value).trim();
};

const whole = (key: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StackSizingError(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
};

/** `a/b`: a rate and a burst, or read and write units. */
const pair = (key: string, raw: string): [number, number] => {
  const parts = raw.split('/');
  if (parts.length !== 2) throw new StackSizingError(`${key} takes "<n>/<n>", got "${raw}"`);
  return [whole(key, parts[0] ?? '', 1), whole(key, parts[1] ?? '', 1)];
};

/** `name=value,name=value` with names from `names`. */
const entries = (key: string, raw: string, names: readonly string[]): Map<string, string> => {
  const found = new Map<string, string>();
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (!name || value === undefined || !names.includes(name)) {
      throw new StackSizingError(`${key} takes ${names.join(', ')} as name=value, got "${part}"`);
    }
    found.set(name, value);
  }
  return found;
};

/** The parts of the two tables a per-table setting names. */
const TABLE_PARTS = ['eventStore', 'eventStoreIndexes', 'views', 'viewsIndexes'] as const;

const throttleOf = (key: string, raw: string): Throttle => {
  const [rateLimit, burstLimit] = pair(key, raw);
  return { rateLimit, burstLimit };
};

/**
 * The sizing settings from CDK context, over `defaultStackSizing()`; each key is described
 * in `stack-context.ts`.
 */
export const readStackSizing = (node: Node): StackSizing => {
  const sizing = defaultStackSizing();

  const defaultThrottle = text(node, 'defaultRouteThrottle');
  if (defaultThrottle) {
    sizing.defaultRouteThrottle = throttleOf('defaultRouteThrottle', defaultThrottle);
  }
  const routeThrottle = text(node, 'routeThrottle');
  if (routeThrottle) {
    const operations = Object.keys(sizing.routeThrottles);
    for (const [operation, value] of entries('routeThrottle', routeThrottle, operations)) {
      sizing.routeThrottles[operation] = throttleOf(`routeThrottle ${operation}`, value);
    }
  }

  const maxConcurrency = text(node, 'projectorMaxConcurrency');
  if (maxConcurrency) {
    // The SQS event source's own range.
    sizing.projectorMaxConcurrency = whole('projectorMaxConcurrency', maxConcurrency, 2, 1000);
    sizing.reservedConcurrency.projector = sizing.projectorMaxConcurrency;
  }

  const reserved = text(node, 'reservedConcurrency');
  if (reserved === 'none') {
    sizing.reservedConcurrency = {};
  } else if (reserved) {
    const names = ['commands', 'publisher', 'projector'] as const;
    for (const [name, value] of entries('reservedConcurrency', reserved, names)) {
      sizing.reservedConcurrency[name as (typeof names)[number]] =
        value === 'none' ? undefined : whole(`reservedConcurrency ${name}`, value, 1);
    }
  }
  const projectorReserved = sizing.reservedConcurrency.projector;
  // Fewer reserved than the event source may run throttles receives, and each throttled
  // receive counts towards the dead-letter queue.
  if (projectorReserved !== undefined && projectorReserved < sizing.projectorMaxConcurrency) {
    throw new StackSizingError(
      `reservedConcurrency projector (${projectorReserved}) must be at least projectorMaxConcurrency (${sizing.projectorMaxConcurrency})`,
    );
  }

  const parallelization = text(node, 'streamParallelization');
  if (parallelization) {
    sizing.streamParallelization = whole('streamParallelization', parallelization, 1, 10);
  }

  const warmThroughput = text(node, 'warmThroughput');
  if (warmThroughput === 'none') {
    delete sizing.warmThroughput;
  } else if (warmThroughput && sizing.warmThroughput) {
    for (const [name, value] of entries('warmThroughput', warmThroughput, TABLE_PARTS)) {
      const [readUnitsPerSecond, writeUnitsPerSecond] = pair(`warmThroughput ${name}`, value);
      const units = { readUnitsPerSecond, writeUnitsPerSecond };
      const table = name.startsWith('eventStore') ? 'eventStore' : 'views';
      sizing.warmThroughput[table][name.endsWith('Indexes') ? 'indexes' : 'table'] = units;
    }
  }

  const wait = text(node, 'minVersionWaitMs');
  if (wait) sizing.minVersionWaitMs = whole('minVersionWaitMs', wait, 0, 30_000);
  sizing.capacity = readCapacity(node);
  return sizing;
};

/** `eventStore=r/w,…`: the units of each named table part, written into `capacity` by `set`. */
const perTablePart = (
  key: string,
  raw: string,
  capacity: Extract<TableCapacity, { mode: 'provisioned' }>,
  set: (units: AutoScaledUnits, read: number, write: number) => void,
) => {
  for (const [name, value] of entries(key, raw, TABLE_PARTS)) {
    const [read, write] = pair(`${key} ${name}`, value);
    const table = name.startsWith('eventStore') ? 'eventStore' : 'views';
    set(capacity[table][name.endsWith('Indexes') ? 'indexes' : 'table'], read, write);
  }
};

const readCapacity = (node: Node): TableCapacity => {
  const mode = text(node, 'capacityMode') ?? 'on-demand';
  if (!(CAPACITY_MODES as readonly string[]).includes(mode)) {
    throw new StackSizingError(
      `capacityMode must be ${CAPACITY_MODES.join(' or ')}, got "${mode}"`,
    );
  }
  const provisionedOnly = ['capacityTargetUtilization', 'provisionedMin', 'provisionedMax'];
  if (mode === 'on-demand') {
    const stray = provisionedOnly.find((key) => text(node, key) !== undefined);
    if (stray) throw new StackSizingError(`${stray} needs capacityMode=provisioned`);
    return { mode: 'on-demand' };
  }
  const target = text(node, 'capacityTargetUtilization');
  const { min: lowest, max: highest } = TARGET_UTILIZATION_RANGE;
  const capacity = defaultProvisionedCapacity(
    target ? whole('capacityTargetUtilization', target, lowest, highest) : undefined,
  );
  const max = text(node, 'provisionedMax');
  if (max) {
    perTablePart('provisionedMax', max, capacity, (units, read, write) => {
      units.read.max = read;
      units.write.max = write;
    });
  }
  const min = text(node, 'provisionedMin');
  if (min) {
    perTablePart('provisionedMin', min, capacity, (units, read, write) => {
      units.read.min = read;
      units.write.min = write;
    });
  }
  for (const table of ['eventStore', 'views'] as const) {
    for (const part of ['table', 'indexes'] as const) {
      for (const kind of ['read', 'write'] as const) {
        const range = capacity[table][part][kind];
        if (range.min > range.max) {
          throw new StackSizingError(
            `provisionedMin ${table}${part === 'indexes' ? 'Indexes' : ''} ${kind} (${range.min}) is above provisionedMax (${range.max})`,
          );
        }
      }
    }
  }
  return capacity;
};
