import {
  ConcurrencyError,
  DuplicateCommandError,
  TooManyEventsError,
  UniquenessError,
} from '../../core/errors.js';
import { type EventEnvelope, type StreamRef, UNTYPED_STREAM_TYPE } from '../../core/event.js';
import type {
  AppendOptions,
  AppendResult,
  CommandRecord,
  CommandRecordEraser,
  EventStore,
  LoadedStream,
  ReadStreamOptions,
  Snapshot,
  StreamCatalog,
} from '../../core/event-store.js';

const MAX_ITEMS_PER_APPEND = 100;
const claimKey = (scope: string, value: string) => `${scope}#${value}`;
const copy = <T>(value: T): T => structuredClone(value);

/** The event store in process memory, with the same guarantees as the DynamoDB one. */
export class InMemoryEventStore implements EventStore, StreamCatalog, CommandRecordEraser {
  private readonly streams = new Map<string, EventEnvelope[]>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly commands = new Map<string, CommandRecord>();
  private readonly claims = new Map<string, string>();

  async load(
    aggregateId: string,
    options: { snapshotSchemaVersion?: number } = {},
  ): Promise<LoadedStream> {
    const events = this.streams.get(aggregateId) ?? [];
    const stored = this.snapshots.get(aggregateId);
    const snapshot =
      stored && stored.schemaVersion === options.snapshotSchemaVersion ? stored : undefined;
    const after = snapshot ? events.filter((e) => e.version > snapshot.version) : events;
    return {
      snapshot: snapshot && copy(snapshot),
      events: copy(after),
      version: events.length,
    };
  }

  async readStream(aggregateId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    const from = options.fromVersion ?? 1;
    const to = options.toVersion ?? Number.POSITIVE_INFINITY;
    const events = this.streams.get(aggregateId) ?? [];
    return copy(events.filter((e) => e.version >= from && e.version <= to));
  }

  async append(
    aggregateId: string,
    events: EventEnvelope[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const claims = options.claims ?? [];
    const releases = options.releases ?? [];
    const checks = options.claimChecks?.length ?? 0;
    const items =
      events.length + claims.length + releases.length + checks + (options.command ? 1 : 0);
    if (items > MAX_ITEMS_PER_APPEND) {
      throw new TooManyEventsError(`One append takes at most ${MAX_ITEMS_PER_APPEND} items`);
    }
    const stream = this.streams.get(aggregateId) ?? [];
    // Check every condition first, so a refused append changes nothing.
    if (stream.length !== options.expectedVersion) {
      throw new ConcurrencyError(aggregateId, options.expectedVersion, {
        actualVersion: stream.length,
      });
    }
    if (options.command && this.commands.has(options.command.commandId)) {
      throw new DuplicateCommandError(options.command.commandId);
    }
    for (const claim of [...claims, ...(options.claimChecks ?? [])]) {
      const holder = this.claims.get(claimKey(claim.scope, claim.value));
      if (holder !== undefined && holder !== aggregateId) {
        throw new UniquenessError(claim.scope, claim.value);
      }
    }
    for (const release of releases) {
      const holder = this.claims.get(claimKey(release.scope, release.value));
      if (holder !== undefined && holder !== aggregateId) {
        throw new UniquenessError(release.scope, release.value);
      }
    }
    events.forEach((event, index) => {
      if (event.version !== options.expectedVersion + index + 1) {
        throw new RangeError(`Event ${index} has version ${event.version}, not the next one`);
      }
    });

    for (const release of releases) this.claims.delete(claimKey(release.scope, release.value));
    for (const claim of claims) this.claims.set(claimKey(claim.scope, claim.value), aggregateId);
    if (options.command) this.commands.set(options.command.commandId, copy(options.command));
    this.streams.set(aggregateId, [...stream, ...copy(events)]);
    return { version: options.expectedVersion + events.length };
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    const record = this.commands.get(commandId);
    return record && copy(record);
  }

  async deleteCommandRecords(aggregateId: string): Promise<number> {
    let deleted = 0;
    for (const event of this.streams.get(aggregateId) ?? []) {
      const { commandId } = event.metadata;
      const record = commandId === undefined ? undefined : this.commands.get(commandId);
      // A key reused after its record expired belongs to another stream now: keep it.
      if (
        commandId === undefined ||
        record?.aggregateId !== aggregateId ||
        record.aggregateType !== event.aggregateType
      )
        continue;
      this.commands.delete(commandId);
      deleted++;
    }
    return deleted;
  }

  async saveSnapshot(aggregateId: string, snapshot: Snapshot): Promise<void> {
    const current = this.snapshots.get(aggregateId);
    if (!current || current.version < snapshot.version) {
      this.snapshots.set(aggregateId, copy(snapshot));
    }
  }

  async *listStreams(options: { pageSize?: number } = {}): AsyncIterable<StreamRef[]> {
    for await (const ids of this.listAggregateIds(options)) {
      yield ids.map((aggregateId) => ({
        aggregateType: this.streams.get(aggregateId)?.[0]?.aggregateType ?? UNTYPED_STREAM_TYPE,
        aggregateId,
      }));
    }
  }

  async *listAggregateIds(options: { pageSize?: number } = {}): AsyncIterable<string[]> {
    const pageSize = options.pageSize ?? 100;
    const ids = [...this.streams.keys()];
    for (let i = 0; i < ids.length; i += pageSize) yield ids.slice(i, i + pageSize);
  }
}
