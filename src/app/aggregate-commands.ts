import { randomBytes, randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { HmacRequestFingerprints } from '../adapters/crypto/hmac-request-fingerprints.js';
import type { AggregateCache } from '../core/aggregate-cache.js';
import {
  CommandHandler,
  type CommandResult,
  type RequestFingerprints,
} from '../core/command-handler.js';
import type { Decider } from '../core/decider.js';
import { ServiceError } from '../core/errors.js';
import type { Actor, DomainEvent, EventEnvelope } from '../core/event.js';
import type { EventStore, UniqueClaim } from '../core/event-store.js';
import { METRIC, type Metrics, noMetrics } from '../core/metrics.js';
import type { PersonalDataDeclaration } from '../core/personal-data.js';
import type { Clock, IdGenerator, Logger } from '../core/ports.js';
import type { EventUpcaster } from '../core/upcasting.js';
import { parseOrThrow } from './validation.js';

/** A command as every aggregate takes it: a type naming it and its data. */
export interface AggregateCommand {
  type: string;
  data: unknown;
}

/** Which stream a command is for, and the version its caller expects that stream to be at. */
export interface CommandTarget {
  aggregateId: string;
  expectedVersion?: number | undefined;
}

/**
 * An `afterCommand` hook for a module whose `commandType` erases its stream: this process
 * drops what it caches of the stream, then the personal data at rest is erased. It runs
 * after a replayed command too, so a crash between the steps heals on retry.
 */
export const eraseAfter =
  <Command extends AggregateCommand>(
    commandType: Command['type'],
    target: (command: Command) => CommandTarget,
  ) =>
  async (command: Command, { evict, erase }: CommandEffects): Promise<void> => {
    if (command.type !== commandType) return;
    const { aggregateId } = target(command);
    // This process must not keep the personal data of an erased stream in memory.
    evict(aggregateId);
    await erase(aggregateId);
  };

/** What the command service does for a module's `afterCommand` hook. */
export interface CommandEffects {
  /** Drops what this process caches of the stream. */
  evict(aggregateId: string): void;
  /** Erases the stream's personal data at rest (data key, snapshot, legacy plaintext). */
  erase(aggregateId: string): Promise<unknown>;
}

/**
 * The pure parts of an aggregate that its command service runs: the decider, the schema
 * of its commands, its event versions and snapshot version, its uniqueness rule. A module
 * in `src/domain/<aggregate>` declares them; nothing here does I/O.
 */
export interface CommandModel<State, Command extends AggregateCommand, Event extends DomainEvent> {
  /** The `aggregateType` stamped on its envelopes (`Customer`). */
  readonly type: string;
  readonly decider: Decider<State, Command, Event>;
  /** Validates untrusted input (`{type, data}`), naming every bad field. */
  readonly commandSchema: z.ZodType<Command>;
  /** Every command type: the metric dimension (anything else counts as `unknown`). */
  readonly commandTypes: readonly string[];
  /** The stream a valid command is for, and its `expectedVersion` if any. */
  readonly target: (command: Command) => CommandTarget;
  /**
   * Completes raw input before validation (a registration without an id gets one, derived
   * from the idempotency key so a retry lands on the same stream). Returns the input as it
   * is when there is nothing to complete.
   */
  readonly completeCommand?: (input: unknown, context: CommandInputContext) => unknown;
  /** Lifts stored events to their latest shape, and gives new events their latest version. */
  readonly upcaster: EventUpcaster<Event>;
  /** Bump when `State` changes shape: older snapshots are then ignored. */
  readonly snapshotSchemaVersion: number;
  /** Unique values the new events take and give up, written atomically with them. */
  readonly uniqueness?: (
    state: State,
    events: Event[],
  ) => { claims: UniqueClaim[]; releases: UniqueClaim[] };
  /** Its personal data, for encryption at rest and forgetting; none when absent. */
  readonly personalData?: PersonalDataDeclaration;
  /** The error for a stream with no events (the history of an unknown id). */
  readonly notFound: (aggregateId: string) => Error;
  /**
   * Runs after every accepted command, a replayed one too, so a crash between its steps
   * heals on retry (the Customer: after `ForgetCustomer`, evict and erase).
   */
  readonly afterCommand?: (command: Command, effects: CommandEffects) => Promise<unknown>;
}

export interface CommandInputContext {
  /** The idempotency key, when the caller gave one. */
  commandId?: string | undefined;
  /** A new id (the service's id generator). */
  newId(): string;
}

export interface CommandMetadata {
  /** Idempotency key (HTTP `Idempotency-Key`). */
  commandId?: string;
  correlationId: string;
  causationId?: string;
  /** Who asked: recorded on every event the command writes. */
  actor?: Actor;
}

export interface CommandOutcome {
  aggregateId: string;
  version: number;
  /** The events this command appended (none for a no-op or a replayed retry). */
  events: EventEnvelope[];
  replayed: boolean;
}

/** What the HTTP glue, direct invocations and tools call on any aggregate's write side. */
export interface CommandService {
  execute(input: unknown, metadata: CommandMetadata): Promise<CommandOutcome>;
  history(aggregateId: string): Promise<EventEnvelope[]>;
  evict(aggregateId: string): void;
  drain(): Promise<void>;
}

export interface AggregateCommandsOptions<State> {
  store: EventStore;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** Commands accepted and rejected (by type and reason), and retried races. */
  metrics?: Metrics;
  snapshotEvery?: number;
  /** How long a command without `expectedVersion` keeps retrying a lost race. */
  conflictRetryBudgetMs?: number;
  /** Recently used aggregates, decided on without a load (off when absent). */
  aggregateCache?: AggregateCache<State>;
  /** What `CommandEffects.erase` runs; nothing when absent (no personal data at rest). */
  erase?: (aggregateId: string) => Promise<unknown>;
  /**
   * Keyed fingerprints of requests with an idempotency key (the service's are keyed by a
   * KMS-protected secret). By default, a secret of this process alone: right for stores in
   * memory (tests, benchmarks), not for several processes sharing a table.
   */
  fingerprints?: RequestFingerprints;
}

export const systemClock: Clock = { now: () => new Date() };
export const uuidGenerator: IdGenerator = { newId: () => randomUUID() };

/** Keyed by a secret of this process alone: the default for services sharing no table. */
const processSecret = randomBytes(32);
const processFingerprints = new HmacRequestFingerprints({ secret: async () => processSecret });

/** The error's stable code (`VALIDATION_FAILED`, `VERSION_CONFLICT`, ...), else `ERROR`. */
const rejectionReason = (error: unknown): string =>
  error instanceof ServiceError ? error.code : 'ERROR';

/**
 * Any aggregate's write side: validates a command, runs it through the decider with
 * idempotency, uniqueness, snapshots and the aggregate cache, and counts it by type.
 */
export class AggregateCommands<State, Command extends AggregateCommand, Event extends DomainEvent>
  implements CommandService
{
  private readonly handler: CommandHandler<State, Command, Event>;
  private readonly ids: IdGenerator;
  private readonly fingerprints: RequestFingerprints;
  private readonly metrics: Metrics;
  private readonly commandTypes: ReadonlySet<string>;

  constructor(
    readonly model: CommandModel<State, Command, Event>,
    private readonly options: AggregateCommandsOptions<State>,
  ) {
    this.ids = options.ids ?? uuidGenerator;
    this.fingerprints = options.fingerprints ?? processFingerprints;
    this.metrics = options.metrics ?? noMetrics;
    this.commandTypes = new Set(model.commandTypes);
    this.handler = new CommandHandler({
      aggregateType: model.type,
      decider: model.decider,
      store: options.store,
      clock: options.clock ?? systemClock,
      ids: this.ids,
      upcaster: model.upcaster,
      snapshots: {
        every: options.snapshotEvery ?? 50,
        schemaVersion: model.snapshotSchemaVersion,
      },
      ...(model.uniqueness ? { uniqueness: model.uniqueness } : {}),
      ...(options.conflictRetryBudgetMs === undefined
        ? {}
        : { conflictRetry: { budgetMs: options.conflictRetryBudgetMs } }),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.aggregateCache ? { cache: options.aggregateCache } : {}),
    });
  }

  /** Drops what this process caches of one aggregate; its next command loads from the store. */
  evict(aggregateId: string): void {
    this.handler.evict(aggregateId);
  }

  /**
   * Runs a command given as untrusted input (`{ type, data }`); throws `ValidationError`
   * naming every bad field before anything is read or written.
   */
  async execute(input: unknown, metadata: CommandMetadata): Promise<CommandOutcome> {
    const commandType = this.commandTypeOf(input);
    try {
      const outcome = await this.run(input, metadata);
      this.metrics.count(METRIC.commandAccepted, { commandType });
      return outcome;
    } catch (error) {
      this.metrics.count(METRIC.commandRejected, { commandType, reason: rejectionReason(error) });
      throw error;
    }
  }

  /**
   * The stream's events in version order, each in its type's latest shape; the model's
   * not-found error when there are none.
   */
  async history(aggregateId: string): Promise<EventEnvelope[]> {
    const events = await this.options.store.readStream(aggregateId);
    if (events.length === 0) throw this.model.notFound(aggregateId);
    return events.map(this.model.upcaster.upcast);
  }

  /** Waits for snapshots still being written (tests, graceful shutdown). */
  drain(): Promise<void> {
    return this.handler.drainSnapshots();
  }

  private async run(input: unknown, metadata: CommandMetadata): Promise<CommandOutcome> {
    const { model } = this;
    const completed = model.completeCommand
      ? model.completeCommand(input, {
          commandId: metadata.commandId,
          newId: () => this.ids.newId(),
        })
      : input;
    const command = parseOrThrow(model.commandSchema, completed, 'command');
    const { aggregateId, expectedVersion } = model.target(command);
    const result: CommandResult<Event> = await this.handler.handle(aggregateId, command, {
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
    await model.afterCommand?.(command, {
      evict: (id) => this.evict(id),
      erase: async (id) => this.options.erase?.(id),
    });
    return {
      aggregateId,
      version: result.version,
      events: result.events,
      replayed: result.replayed,
    };
  }

  /** A metric dimension: a known command type, or `unknown` (never the caller's free text). */
  private commandTypeOf(input: unknown): string {
    const type = (input as { type?: unknown } | null)?.type;
    return typeof type === 'string' && this.commandTypes.has(type) ? type : 'unknown';
  }
}
