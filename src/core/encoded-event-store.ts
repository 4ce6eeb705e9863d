import { UniquenessError } from './errors.js';
import type { EventEnvelope, StreamRef } from './event.js';
import type { ClaimCodec, EventCodec, StoredClaims } from './event-codec.js';
import type {
  AppendOptions,
  AppendResult,
  CommandRecord,
  EventStore,
  LoadedStream,
  ReadStreamOptions,
  Snapshot,
  StreamCatalog,
} from './event-store.js';

export interface EncodedEventStoreOptions {
  inner: EventStore & StreamCatalog;
  codec: EventCodec;
  claims?: ClaimCodec;
  /**
   * Event types that record the erasure of their aggregate (given by its module). A read
   * that sees one decrypts nothing of that stream, whatever keys this process still holds.
   */
  erasureEventTypes?: readonly string[];
}

/**
 * An event store whose events are encoded at rest (personal data encrypted) and decoded on
 * every read, and whose uniqueness claims are stored as keyed hashes. Every reader of the
 * store (command load, history, projector catch-up, rebuild, audit) goes through it, so none
 * of them sees ciphertext and none of them needs to know about keys.
 */
export class EncodedEventStore implements EventStore, StreamCatalog {
  private readonly erasureEventTypes: ReadonlySet<string>;

  constructor(private readonly options: EncodedEventStoreOptions) {
    this.erasureEventTypes = new Set(options.erasureEventTypes ?? []);
  }

  async load(
    aggregateId: string,
    options: { snapshotSchemaVersion?: number } = {},
  ): Promise<LoadedStream> {
    const { inner, codec } = this.options;
    const loaded = await inner.load(aggregateId, options);
    if (loaded.snapshot) {
      // A snapshot taken before an erasure is never decrypted, even with a cached key.
      const snapshot = this.erased(loaded.events)
        ? undefined
        : await codec.decodeSnapshot(aggregateId, loaded.snapshot);
      if (!snapshot) {
        // An unreadable snapshot (its key is gone): fold the whole stream instead.
        const events = await this.readStream(aggregateId);
        return { snapshot: undefined, events, version: loaded.version };
      }
      return { ...loaded, snapshot, events: await this.decode(aggregateId, loaded.events) };
    }
    return { ...loaded, events: await this.decode(aggregateId, loaded.events) };
  }

  async readStream(aggregateId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]> {
    const events = await this.options.inner.readStream(aggregateId, options);
    return this.decode(aggregateId, events);
  }

  async append(
    aggregateId: string,
    events: EventEnvelope[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const { inner, codec, claims: claimCodec } = this.options;
    const encoded = await codec.encode(aggregateId, events, {
      newStream: options.expectedVersion === 0,
    });
    if (!claimCodec) return inner.append(aggregateId, encoded, options);
    const stored = await claimCodec.encode(options.claims ?? [], options.releases ?? []);
    try {
      return await inner.append(aggregateId, encoded, {
        ...options,
        claims: stored.claims,
        releases: stored.releases,
        claimChecks: [...(options.claimChecks ?? []), ...stored.checks],
      });
    } catch (error) {
      throw this.asPlainClaim(error, stored);
    }
  }

  /** Ids are not personal data: listed as stored. */
  listStreams(options?: { pageSize?: number }): AsyncIterable<StreamRef[]> {
    return this.options.inner.listStreams(options);
  }

  listAggregateIds(options?: { pageSize?: number }): AsyncIterable<string[]> {
    return this.options.inner.listAggregateIds(options);
  }

  findCommand(commandId: string): Promise<CommandRecord | undefined> {
    return this.options.inner.findCommand(commandId);
  }

  async saveSnapshot(aggregateId: string, snapshot: Snapshot): Promise<void> {
    const encoded = await this.options.codec.encodeSnapshot(aggregateId, snapshot);
    return this.options.inner.saveSnapshot(aggregateId, encoded);
  }

  private erased(events: EventEnvelope[]): boolean {
    return events.some((event) => this.erasureEventTypes.has(event.eventType));
  }

  /**
   * The erasure is decided on what was read, not on a key lookup: another process may have
   * erased the aggregate while this one still caches its key.
   */
  private decode(aggregateId: string, events: EventEnvelope[]): Promise<EventEnvelope[]> {
    const { codec } = this.options;
    return this.erased(events)
      ? codec.decodeErased(aggregateId, events)
      : codec.decode(aggregateId, events);
  }

  /** A refused hashed claim is reported as the claim the caller made, not as its hash. */
  private asPlainClaim(error: unknown, stored: StoredClaims): unknown {
    if (!(error instanceof UniquenessError)) return error;
    const plain = stored.plainOf({ scope: error.scope, value: error.value });
    return plain ? new UniquenessError(plain.scope, plain.value, { cause: error }) : error;
  }
}
