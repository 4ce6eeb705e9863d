import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HmacRequestFingerprints } from '../adapters/crypto/hmac-request-fingerprints.js';
import type { AggregateCache } from '../core/aggregate-cache.js';
import {
  CommandHandler,
  type CommandResult,
  type RequestFingerprints,
  type SnapshotPolicy,
} from '../core/command-handler.js';
import { ServiceError } from '../core/errors.js';
import type { Actor, EventEnvelope } from '../core/event.js';
import type { EventStore } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import type { Clock, IdGenerator, Logger } from '../core/ports.js';
import type { EventUpcaster } from '../core/upcasting.js';
import {
  CustomerCommand,
  type CustomerEvent,
  CustomerNotFoundError,
  type CustomerState,
  customerDecider,
  customerUniqueness,
} from '../domain/customer/index.js';
import { customerEventUpcaster } from './customer-events.js';
import { parseOrThrow } from './validation.js';

/**
 * Bump when `CustomerState` changes shape: older snapshots are then ignored, and the next
 * command on a long stream takes a new one. 2: the suspension became `{reasonCode, note?}`.
 */
export const SNAPSHOT_SCHEMA_VERSION = 2;

export interface CommandMetadata {
  /** Idempotency key (HTTP `Idempotency-Key`). */
  commandId?: string;
  correlationId: string;
  causationId?: string;
  /** Who asked: recorded on every event the command writes. */
  actor?: Actor;
}

export interface CommandOutcome {
  customerId: string;
  version: number;
  /** The events this command appended (none for a no-op or a replayed retry). */
  events: EventEnvelope[];
  replayed: boolean;
}

export interface CustomerCommandServiceOptions {
  store: EventStore;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** Commands accepted and rejected (by type and reason), and retried races. */
  metrics?: Metrics;
  snapshotEvery?: number;
  /** How long a command without `expectedVersion` keeps retrying a lost race. */
  conflictRetryBudgetMs?: number;
  /** Recently used customers, decided on without a load (off when absent). */
  aggregateCache?: AggregateCache<CustomerState>;
  /** How stored events are lifted to the latest shape; the Customer chain by default. */
  upcaster?: EventUpcaster<CustomerEvent>;
  /**
   * The clean-up after an erasure (delete the data key, the snapshot, legacy plaintext). It
   * runs after every `ForgetCustomer`, a repeated one too, so a crash between steps heals.
   */
  afterForget?: (customerId: string) => Promise<unknown>;
  /**
   * Keyed fingerprints of requests with an idempotency key (the service's are keyed by a
   * KMS-protected secret). By default, a secret of this process alone: right for stores in
   * memory (tests, benchmarks), not for several processes sharing a table.
   */
  fingerprints?: RequestFingerprints;
}

export const systemClock: Clock = { now: () => new Date() };
export const uuidGenerator: IdGenerator = { newId: () => randomUUID() };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Keyed by a secret of this process alone: the default for services sharing no table. */
const processSecret = randomBytes(32);
const processFingerprints = new HmacRequestFingerprints({ secret: async () => processSecret });

/**
 * A customer id derived from an idempotency key, so that a retried registration without an
 * explicit id lands on the same customer instead of creating a second one.
 */
export const customerIdForKey = (commandId: string): string => {
  const h = sha256(`customer:${commandId}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const COMMAND_TYPES = new Set<string>(CustomerCommand.options.map((o) => o.shape.type.value));

/** A metric dimension: a known command type, or `unknown` (never the caller's free text). */
const commandTypeOf = (input: unknown): string => {
  const type = (input as { type?: unknown } | null)?.type;
  return typeof type === 'string' && COMMAND_TYPES.has(type) ? type : 'unknown';
};

/** The error's stable code (`VALIDATION_FAILED`, `VERSION_CONFLICT`, ...), else `ERROR`. */
const rejectionReason = (error: unknown): string =>
  error instanceof ServiceError ? error.code : 'ERROR';

/** The Customer service's write side: validates a command and runs it through the decider. */
export class CustomerCommandService {
  private readonly handler: CommandHandler<CustomerState, CustomerCommand, CustomerEvent>;
  private readonly ids: IdGenerator;
  private readonly upcaster: EventUpcaster<CustomerEvent>;
  private readonly fingerprints: RequestFingerprints;

  constructor(private readonly options: CustomerCommandServiceOptions) {
    this.ids = options.ids ?? uuidGenerator;
    this.fingerprints = options.fingerprints ?? processFingerprints;
    this.upcaster = options.upcaster ?? customerEventUpcaster;
    const snapshots: SnapshotPolicy = {
      every: options.snapshotEvery ?? 50,
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    };
    this.handler = new CommandHandler({
      aggregateType: 'Customer',
      decider: customerDecider,
      store: options.store,
      clock: options.clock ?? systemClock,
      ids: this.ids,
      upcaster: this.upcaster,
      snapshots,
      uniqueness: customerUniqueness,
      ...(options.conflictRetryBudgetMs === undefined
        ? {}
        : { conflictRetry: { budgetMs: options.conflictRetryBudgetMs } }),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.aggregateCache ? { cache: options.aggregateCache } : {}),
    });
  }

  /** Drops what this process caches of one customer; its next command loads from the store. */
  evict(customerId: string): void {
    this.handler.evict(customerId);
  }

  /**
   * Runs a command given as untrusted input (`{ type, data }`); throws `ValidationError`
   * naming every bad field before anything is read or written.
   */
  async execute(input: unknown, metadata: CommandMetadata): Promise<CommandOutcome> {
    const metrics = this.options.metrics ?? noMetrics;
    const commandType = commandTypeOf(input);
    try {
      const outcome = await this.run(input, metadata);
      metrics.count(METRIC.commandAccepted, { commandType });
      return outcome;
    } catch (error) {
      metrics.count(METRIC.commandRejected, { commandType, reason: rejectionReason(error) });
      throw error;
    }
  }

  private async run(input: unknown, metadata: CommandMetadata): Promise<CommandOutcome> {
    const command = parseOrThrow(CustomerCommand, this.withCustomerId(input, metadata), 'command');
    const { customerId } = command.data;
    const expectedVersion =
      'expectedVersion' in command.data ? command.data.expectedVersion : undefined;
    const result: CommandResult<CustomerEvent> = await this.handler.handle(customerId, command, {
      correlationId: metadata.correlationId,
      ...(metadata.commandId === undefined
        ? {}
        : {
            commandId: metadata.commandId,
            fingerprint: await this.fingerprints.of(JSON.stringify(command)),
          }),
      ...(metadata.causationId === undefined ? {} : { causationId: metadata.causationId }),
      ...(metadata.actor === undefined ? {} : { actor: metadata.actor }),
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
    });
    if (command.type === 'ForgetCustomer') {
      // This process must not keep a forgotten customer's personal data in memory.
      this.evict(customerId);
      await this.options.afterForget?.(customerId);
    }
    return {
      customerId,
      version: result.version,
      events: result.events,
      replayed: result.replayed,
    };
  }

  /**
   * The customer's events in version order, each in its type's latest shape;
   * `CustomerNotFoundError` when there are none.
   */
  async history(customerId: string): Promise<EventEnvelope[]> {
    const events = await this.options.store.readStream(customerId);
    if (events.length === 0) throw new CustomerNotFoundError(customerId);
    return events.map(this.upcaster.upcast);
  }

  /** Waits for snapshots still being written (tests, graceful shutdown). */
  drain(): Promise<void> {
    return this.handler.drainSnapshots();
  }

  /** A registration without an id gets one: derived from its idempotency key, else new. */
  private withCustomerId(input: unknown, metadata: CommandMetadata): unknown {
    if (typeof input !== 'object' || input === null) return input;
    const { type, data } = input as { type?: unknown; data?: unknown };
    if (type !== 'RegisterCustomer' || typeof data !== 'object' || data === null) return input;
    if ((data as { customerId?: unknown }).customerId !== undefined) return input;
    const customerId =
      metadata.commandId === undefined ? this.ids.newId() : customerIdForKey(metadata.commandId);
    return { type, data: { customerId, ...data } };
  }
}
