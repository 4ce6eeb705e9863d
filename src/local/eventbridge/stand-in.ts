import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  AwsJsonError,
  type AwsJsonServer,
  type Operation,
  startAwsJsonServer,
} from '../aws-json/aws-json-server.js';
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
}

export interface EventBridgeStandInStats {
  requests: number;
  accepted: number;
  failed: number;
  delivered: number;
}

export interface EventBridgeStandIn {
  endpoint: string;
  port: number;
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
 * target receives; `ListRules`, `DescribeRule`, `ListTargetsByRule`, `ListEventBuses` and
 * `DescribeEventBus` show what routes where. Rules are configured in code.
 *
 * One deliberate difference: EventBridge accepts an event and then retries delivery on its
 * own; this stand-in delivers before answering and reports a failed delivery as a failed
 * entry, so the caller's retry keeps delivery at least once.
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

  const counters: EventBridgeStandInStats = { requests: 0, accepted: 0, failed: 0, delivered: 0 };
  let entryFaults = 0;
  let entryFaultCode = 'InternalFailure';
  let requestFaults = 0;
  let requestFaultType: 'InternalException' | 'ThrottlingException' = 'InternalException';

  const operations: Record<string, Operation> = {
    PutEvents: (input) =>
      putEvents(input, {
        catalog,
        partition,
        sqs: options.sqs,
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
    stats: () => ({ ...counters }),
    stop: server.stop,
  };
};
