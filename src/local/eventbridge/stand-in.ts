import { join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  AwsJsonError,
  type AwsJsonServer,
  type Operation,
  startAwsJsonServer,
} from '../aws-json/aws-json-server.js';
import { LOCAL_CREDENTIALS } from '../local-endpoints.js';
import type { Partition } from './arns.js';
import { type EventBridgeRule, RuleCatalog } from './catalog.js';
import {
  describeEventBus,
  describeRule,
  listEventBuses,
  listRules,
  listTargetsByRule,
} from './catalog-operations.js';
import { UnknownResourceError } from './errors.js';
import { putEvents } from './put-events.js';
import { RuleFile } from './rule-file.js';
import {
  deleteRule,
  putRule,
  putTargets,
  removeTargets,
  setRuleState,
  testEventPattern,
} from './rule-operations.js';
import { TargetDelivery } from './target-delivery.js';

export interface EventBridgeStandInOptions {
  /** A fixed port, or 0 (the default) for any free one. */
  port?: number;
  region?: string;
  accountId?: string;
  /** Buses to create besides `default` and those the rules name. */
  eventBuses?: string[];
  rules?: EventBridgeRule[];
  /** Client that delivers to the rule targets. */
  sqs: SQSClient;
  /** Rules made through the API are kept in `<dataDir>/eventbridge/rules.json`; in memory when absent. */
  dataDir?: string;
  /** Backoff between delivery retries (1 s doubling to 60 s by default). */
  retryDelay?: { baseMs: number; maxMs: number };
}

export interface EventBridgeStandInStats {
  requests: number;
  accepted: number;
  failed: number;
  delivered: number;
  /** Events sent to a target's dead-letter queue after its retry policy ran out. */
  deadLettered: number;
  /** Events given up on with no dead-letter queue to take them (or one that failed too). */
  dropped: number;
  /** Deliveries waiting for a retry. */
  retrying: number;
}

export interface EventBridgeStandIn {
  endpoint: string;
  port: number;
  /** Settings for an `EventBridgeClient` (any credentials are accepted). */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Adds a rule (and its bus) as PutRule with PutTargets would; throws `InvalidRuleError`. */
  addRule(rule: EventBridgeRule): void;
  /** The next `count` entries come back failed, as EventBridge does under internal errors. */
  failNextEntries(count: number, errorCode?: string): void;
  /** The next `count` requests fail as a whole (the SDK retries these itself). */
  failNextRequests(count: number, type?: 'InternalException' | 'ThrottlingException'): void;
  /** Stops listening and drops open connections: callers see connection refused. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stats(): EventBridgeStandInStats;
  /** Resolves once no delivery waits for a retry; rejects after `timeoutMs`. */
  waitUntilDelivered(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Lookups of missing buses and rules answer as EventBridge does. */
const answeringNotFound =
  (operation: Operation): Operation =>
  async (input) => {
    try {
      return await operation(input);
    } catch (error) {
      if (error instanceof UnknownResourceError)
        throw new AwsJsonError('ResourceNotFoundException', error.message, 400, { cause: error });
      throw error;
    }
  };

/**
 * A local EventBridge: `PutEvents` routes each accepted event through the rules of its bus
 * (EventBridge pattern semantics) to their SQS targets, with the body an EventBridge SQS
 * target receives and `detail` as sent. Rules come from code and from the API (`PutRule`,
 * `PutTargets`, `RemoveTargets`, `DeleteRule`, `EnableRule`, `DisableRule`), the latter
 * saved under `dataDir`; `ListRules`, `DescribeRule`, `ListTargetsByRule`, `ListEventBuses`
 * and `DescribeEventBus` show what routes where, and `TestEventPattern` checks a pattern.
 *
 * A delivery is tried once before PutEvents answers, so a healthy queue has the event by
 * then; a failed one is retried in the background by the target's retry policy, then goes
 * to its dead-letter queue, as on AWS.
 */
export const startEventBridgeStandIn = async (
  options: EventBridgeStandInOptions,
): Promise<EventBridgeStandIn> => {
  const partition: Partition = {
    region: options.region ?? 'us-east-1',
    account: options.accountId ?? '000000000000',
  };
  const catalog = new RuleCatalog(partition);
  for (const bus of options.eventBuses ?? []) catalog.addBus(bus);
  for (const rule of options.rules ?? []) catalog.addRule(rule);
  const ruleFile = options.dataDir
    ? new RuleFile(join(options.dataDir, 'eventbridge', 'rules.json'))
    : undefined;
  for (const saved of (await ruleFile?.read()) ?? []) {
    // A rule given in code comes from code, whatever was saved under its name.
    if (
      catalog.hasBus(saved.eventBusName) &&
      catalog.rulesOf(saved.eventBusName).some((r) => r.name === saved.name)
    )
      continue;
    catalog.addRule(saved, false);
  }
  /** Runs a change of the catalog, then saves it before answering. */
  const changing =
    (operation: Operation): Operation =>
    async (input) => {
      const result = await answeringNotFound(operation)(input);
      await ruleFile?.save(catalog);
      return result;
    };

  const counters = {
    requests: 0,
    accepted: 0,
    failed: 0,
    delivered: 0,
    deadLettered: 0,
    dropped: 0,
  };
  const delivery = new TargetDelivery({
    sqs: options.sqs,
    counters,
    ...(options.retryDelay ? { retryDelay: options.retryDelay } : {}),
  });
  let entryFaults = 0;
  let entryFaultCode = 'InternalFailure';
  let requestFaults = 0;
  let requestFaultType: 'InternalException' | 'ThrottlingException' = 'InternalException';

  const operations: Record<string, Operation> = {
    PutEvents: (input) =>
      putEvents(input, {
        catalog,
        partition,
        delivery,
        counters,
        takeEntryFault: () => {
          if (entryFaults <= 0) return undefined;
          entryFaults--;
          return entryFaultCode;
        },
      }),
    ListRules: answeringNotFound((input) => listRules(catalog, input)),
    DescribeRule: answeringNotFound((input) => describeRule(catalog, input, partition.account)),
    ListTargetsByRule: answeringNotFound((input) => listTargetsByRule(catalog, input)),
    ListEventBuses: (input) => listEventBuses(catalog, input),
    DescribeEventBus: answeringNotFound((input) => describeEventBus(catalog, input)),
    PutRule: changing((input) => putRule(catalog, input)),
    DeleteRule: changing((input) => deleteRule(catalog, input)),
    EnableRule: changing((input) => setRuleState(catalog, input, 'ENABLED')),
    DisableRule: changing((input) => setRuleState(catalog, input, 'DISABLED')),
    PutTargets: changing((input) => putTargets(catalog, input)),
    RemoveTargets: changing((input) => removeTargets(catalog, input)),
    TestEventPattern: (input) => testEventPattern(input),
  };

  const server: AwsJsonServer = await startAwsJsonServer({
    port: options.port ?? 0,
    targetPrefix: 'AWSEvents',
    operations,
    internalErrorType: 'InternalException',
    // Far above any valid request (PutEvents stops at 256 KB of entries).
    maxBodyBytes: 4 * 1024 * 1024,
    onRequest: () => {
      counters.requests++;
    },
    beforeOperation: () => {
      if (requestFaults <= 0) return;
      requestFaults--;
      throw requestFaultType === 'ThrottlingException'
        ? new AwsJsonError('ThrottlingException', 'Rate exceeded', 400)
        : new AwsJsonError('InternalException', 'Injected failure.', 500);
    },
  });

  return {
    endpoint: server.endpoint,
    port: server.port,
    clientConfig: {
      endpoint: server.endpoint,
      region: options.region ?? 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    },
    addRule: (rule) => {
      catalog.addRule(rule);
    },
    failNextEntries: (count, errorCode = 'InternalFailure') => {
      entryFaults = count;
      entryFaultCode = errorCode;
    },
    failNextRequests: (count, type = 'InternalException') => {
      requestFaults = count;
      requestFaultType = type;
    },
    pause: server.pause,
    resume: server.resume,
    stats: () => ({ ...counters, retrying: delivery.pendingCount() }),
    waitUntilDelivered: (timeoutMs) => delivery.waitUntilSettled(timeoutMs),
    stop: async () => {
      delivery.stop();
      await server.stop();
    },
  };
};
