import type { EventEnvelope, StreamRef } from './event.js';

/** A value that at most one aggregate may hold at a time, such as a normalised email. */
export interface UniqueClaim {
  scope: string;
  value: string;
}

/** Kept with the events of a command that carried an idempotency key. */
export interface CommandRecord {
  commandId: string;
  /**
   * The type of the stream the command wrote: keys are unique across the table, ids only
   * within a type. Records written before the type travelled read as `UNTYPED_STREAM_TYPE`.
   */
  aggregateType: string;
  aggregateId: string;
  /** Stream version after the command, which is what a retry answers. */
  version: number;
  /**
   * Fingerprint of the request, so a reused key with another request is refused: a keyed
   * MAC (`RequestFingerprint`); records written before it hold a plain SHA-256.
   */
  requestHash: string;
}

export interface AppendOptions {
  /** The version the events were decided on; the first new event gets `expectedVersion + 1`. */
  expectedVersion: number;
  command?: CommandRecord;
  claims?: UniqueClaim[];
  releases?: UniqueClaim[];
  /**
   * Values the append only checks: each must be unclaimed or held by this aggregate (an
   * older form of a claim, such as a plaintext email claim written before claims were hashed).
   */
  claimChecks?: UniqueClaim[];
}

export interface AppendResult {
  version: number;
}

export interface Snapshot<State = unknown> {
  version: number;
  /** Shape version of `state`; a snapshot of another shape is ignored on load. */
  schemaVersion: number;
  state: State;
  takenAt: string;
}

export interface LoadedStream {
  snapshot: Snapshot | undefined;
  /** The events after the snapshot (all of them when there is none), in version order. */
  events: EventEnvelope[];
  version: number;
}

export interface ReadStreamOptions {
  fromVersion?: number;
  toVersion?: number;
}

/**
 * The write side's storage. Appends are atomic and conditional: two writers can never both
 * write version N, and claims, releases and the command record commit with the events or
 * not at all.
 */
export interface EventStore {
  /** Latest usable snapshot (of `snapshotSchemaVersion`) plus the events after it. */
  load(aggregateId: string, options?: { snapshotSchemaVersion?: number }): Promise<LoadedStream>;
  /** Events of one stream in version order, optionally a range (inclusive). */
  readStream(aggregateId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]>;
  /**
   * Throws `ConcurrencyError` when the stream moved past `expectedVersion`,
   * `UniquenessError` when a claim is held by another aggregate, and
   * `DuplicateCommandError` when `command.commandId` was already recorded.
   */
  append(
    aggregateId: string,
    events: EventEnvelope[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  findCommand(commandId: string): Promise<CommandRecord | undefined>;
  saveSnapshot(aggregateId: string, snapshot: Snapshot): Promise<void>;
}

/** Deletes idempotency records: an erased aggregate's must not answer a replay. */
export interface CommandRecordEraser {
  /**
   * Deletes the records of the commands that wrote this stream (their keys are in the
   * events' `metadata.commandId`), those still held by this aggregate; answers how many.
   */
  deleteCommandRecords(aggregateId: string): Promise<number>;
}

/** Lists every stream, page by page, for rebuilds and audits. */
export interface StreamCatalog {
  /** Every stream of every type in the store, page by page (bounded memory). */
  listStreams(options?: { pageSize?: number }): AsyncIterable<StreamRef[]>;
  /** The ids of this store's own type only. */
  listAggregateIds(options?: { pageSize?: number }): AsyncIterable<string[]>;
}
