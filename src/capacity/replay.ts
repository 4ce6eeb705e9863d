import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import {
  customerViewsTable,
  eventStoreTable,
  type TableDefinition,
} from '../adapters/dynamodb/table-definitions.js';
import { CustomerCommandService } from '../app/customer/customer-commands.js';
import { Service } from '../composition/service.js';
import { buildRequestFingerprints } from '../composition/service-crypto.js';
import { type Config, readConfig } from '../config.js';
import { silentLogger } from '../core/ports.js';
import { EmailPopulation, seededRandom } from './email-population.js';
import { CountingKms, RecordingEventBridge } from './fake-aws-clients.js';
import {
  type CallListener,
  InMemoryDocumentClient,
  type Item,
  type RecordedRead,
  type RecordedWrite,
} from './in-memory-document-client.js';
import { keyWritesOf } from './index-writes.js';
import { itemSize, readUnits } from './item-size.js';

export const COMMAND_KINDS = ['register', 'email', 'suspend'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];
export type Mix = Record<CommandKind, number>;

/** What one kind of command costs, command path and pipeline together, over the sample. */
export interface Tally {
  commands: number;
  rejected: number;
  /** Messages the projector reported failed (none, when the replay is sound). */
  projectionFailures: number;
  dynamodbCalls: Record<string, number>;
  /** Read request units by table. */
  readUnits: Record<string, number>;
  /** Write request units by `Table` or `Table/index`. */
  writeUnits: Record<string, number>;
  kmsCalls: Record<string, number>;
  putEventsCalls: number;
  busEntries: number;
  queueMessages: number;
  invocations: { command: number; publisher: number; projector: number };
}

export interface ReplayOptions {
  customers: number;
  mix: Mix;
  /** Commands replayed; the figures are per command, so a sample stands for any rate. */
  sample: number;
  seed: number;
  /** Commands per second: spaces the commands' timestamps, as time-keyed indexes see them. */
  rate: number;
  /** Email claims of before checked too (`LEGACY_EMAIL_CLAIMS=check`). */
  legacyClaims: boolean;
  /** Every command carries an `Idempotency-Key` (its record is written with the events). */
  idempotencyKeys: boolean;
  /** Where the replay starts (ISO); the top of an hour by default. */
  start?: string;
  /** The stack's event source batch sizes: stream → publisher, queue → projector. */
  streamBatchSize?: number;
  queueBatchSize?: number;
  /** Settings the service is built with (on top of the defaults and the options above). */
  settings?: Partial<Config>;
  /** Table definitions to price instead of the service's (a proposed index layout). */
  definitions?: { events?: TableDefinition; views?: TableDefinition };
}

export interface ReplayResult {
  options: ReplayOptions;
  tallies: Record<CommandKind, Tally>;
  /** Writes per partition-key value of every table and index, over the sample. */
  keyWrites: Map<string, Map<string, number>>;
  /** Every write to every table and index over the sample. */
  targetWrites: Map<string, number>;
  /** Table name → the label the report uses (`EventStore`, `CustomerViews`). */
  tables: Record<string, TableDefinition>;
}

const EVENT_TABLE = 'CustomerEvents';
const VIEW_TABLE = 'CustomerViews';

/** A tally of nothing yet. */
export const emptyTally = (): Tally => ({
  commands: 0,
  rejected: 0,
  projectionFailures: 0,
  dynamodbCalls: {},
  readUnits: {},
  writeUnits: {},
  kmsCalls: {},
  putEventsCalls: 0,
  busEntries: 0,
  queueMessages: 0,
  invocations: { command: 0, publisher: 0, projector: 0 },
});

const chunks = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const readUnitsOf = (read: RecordedRead): number => {
  const factor = read.consistent ? 1 : 0.5;
  if (read.operation === 'BatchGetItem')
    return read.items.reduce((n, item) => n + factor * readUnits(itemSize(item)), 0);
  return factor * readUnits(read.items.reduce((n, item) => n + itemSize(item), 0));
};

/**
 * Replays a workload through the service's own code (the composition root, the command
 * service, the publisher and the projector, with their DynamoDB, KMS and EventBridge
 * adapters) over an in-memory table, and counts what each command kind writes, reads and
 * calls. Customers that exist before the replay are registered on first use, unrecorded,
 * with a short history. Every recorded command finds cold caches, as it would among 10
 * million customers spread over many functions.
 */
export const replayWorkload = async (options: ReplayOptions): Promise<ReplayResult> => {
  const tables: Record<string, TableDefinition> = {
    [EVENT_TABLE]: options.definitions?.events ?? eventStoreTable,
    [VIEW_TABLE]: options.definitions?.views ?? customerViewsTable,
  };
  const tallies = Object.fromEntries(COMMAND_KINDS.map((k) => [k, emptyTally()])) as Record<
    CommandKind,
    Tally
  >;
  const keyWrites = new Map<string, Map<string, number>>();
  const targetWrites = new Map<string, number>();
  let scope: Tally | undefined;
  const eventInserts: Item[] = [];

  const listener: CallListener = {
    call: (operation) => {
      if (scope) scope.dynamodbCalls[operation] = (scope.dynamodbCalls[operation] ?? 0) + 1;
    },
    read: (read) => {
      if (scope)
        scope.readUnits[read.tableName] =
          (scope.readUnits[read.tableName] ?? 0) + readUnitsOf(read);
    },
    write: (write: RecordedWrite) => {
      if (
        write.tableName === EVENT_TABLE &&
        write.operation === 'PutItem' &&
        !write.before &&
        write.after?.itemType === 'EVENT'
      ) {
        eventInserts.push(write.after);
      }
      if (!scope) return;
      const definition = tables[write.tableName];
      if (!definition) return;
      for (const keyWrite of keyWritesOf(write, definition, write.tableName)) {
        scope.writeUnits[keyWrite.target] =
          (scope.writeUnits[keyWrite.target] ?? 0) + keyWrite.units;
        targetWrites.set(keyWrite.target, (targetWrites.get(keyWrite.target) ?? 0) + 1);
        let perKey = keyWrites.get(keyWrite.target);
        if (!perKey) {
          perKey = new Map();
          keyWrites.set(keyWrite.target, perKey);
        }
        perKey.set(keyWrite.partitionKey, (perKey.get(keyWrite.partitionKey) ?? 0) + 1);
      }
    },
  };
  const dynamodb = new InMemoryDocumentClient(tables, listener);
  const kms = new CountingKms();
  kms.onCall = (operation) => {
    if (scope) scope.kmsCalls[operation] = (scope.kmsCalls[operation] ?? 0) + 1;
  };
  const bus = new RecordingEventBridge();
  const entries: { source: string; detailType: string; detail: string }[] = [];
  bus.onEntries = (sent) => {
    if (scope) {
      scope.putEventsCalls++;
      scope.busEntries += sent.length;
    }
    for (const entry of sent) {
      entries.push({
        source: entry.Source ?? '',
        detailType: entry.DetailType ?? '',
        detail: entry.Detail ?? '{}',
      });
    }
  };

  const config = readConfig({
    COMMAND_TABLE: EVENT_TABLE,
    QUERY_TABLE: VIEW_TABLE,
    KMS_KEY_ID: 'alias/customer-data-keys',
    LEGACY_EMAIL_CLAIMS: options.legacyClaims ? 'check' : 'off',
    AGGREGATE_CACHE_SIZE: '0',
    LOG_LEVEL: 'SILENT',
  });
  const settings = { ...config, ...options.settings };
  const clients = { dynamodb: dynamodb.asDocumentClient(), kms: kms.asClient(), eventBridge: bus };
  // The command function and the pipeline's functions are separate processes: their caches
  // are their own.
  const commandSide = new Service({ config: settings, clients, logger: silentLogger });
  const pipeline = new Service({ config: settings, clients, logger: silentLogger });

  const start = Date.parse(options.start ?? '2026-12-01T07:00:00.000Z');
  let now = start;
  const clock = { now: () => new Date(now) };
  const commands = new CustomerCommandService({
    store: commandSide.eventStore,
    clock,
    logger: silentLogger,
    snapshotEvery: settings.SNAPSHOT_EVERY,
    fingerprints: buildRequestFingerprints({
      crypto: commandSide.crypto,
      config: settings,
      dynamodb: clients.dynamodb,
    }),
  });
  const random = seededRandom(options.seed);
  const people = new EmailPopulation(options.seed + 1);
  const hex = (digits: number) =>
    Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join('');
  const newId = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const existing = new Map<number, string>();
  const streamBatch = options.streamBatchSize ?? 100;
  const queueBatch = options.queueBatchSize ?? 10;

  const execute = async (input: unknown) => {
    const commandId = options.idempotencyKeys ? newId() : undefined;
    await commands.execute(input, {
      correlationId: newId(),
      ...(commandId ? { commandId } : {}),
    });
  };

  const publish = async (records: Item[]) => {
    for (const batch of chunks(records, streamBatch)) {
      if (scope) scope.invocations.publisher++;
      await pipeline.publisher({
        Records: batch.map(
          (item, i): DynamoDBRecord => ({
            eventName: 'INSERT',
            eventSource: 'aws:dynamodb',
            dynamodb: {
              // biome-ignore lint/suspicious/noExplicitAny: the stream's image type is the SDK's.
              NewImage: marshall(item, { removeUndefinedValues: true }) as any,
              SequenceNumber: String(i),
            },
          }),
        ),
      });
    }
  };

  const project = async (sent: typeof entries) => {
    const messages = sent.map(
      (entry, i): SQSRecord => ({
        messageId: `m${i}`,
        receiptHandle: `r${i}`,
        body: `${JSON.stringify({
          version: '0',
          id: newId(),
          'detail-type': entry.detailType,
          source: entry.source,
          account: '000000000000',
          time: new Date(now).toISOString(),
          region: 'us-east-1',
          resources: [],
        }).slice(0, -1)},"detail":${entry.detail}}`,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(now),
          SenderId: 'events.amazonaws.com',
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:projection',
        awsRegion: 'us-east-1',
      }),
    );
    if (scope) scope.queueMessages += messages.length;
    for (const batch of chunks(messages, queueBatch)) {
      if (scope) scope.invocations.projector++;
      const answer = await pipeline.projector({ Records: batch });
      if (scope) scope.projectionFailures += answer.batchItemFailures.length;
    }
  };

  /** Publishes and projects what the commands since the last call wrote. */
  const runPipeline = async () => {
    const inserted = eventInserts.splice(0);
    await publish(inserted);
    await project(entries.splice(0));
  };

  const customerAt = async (index: number): Promise<string> => {
    const known = existing.get(index);
    if (known) return known;
    const customerId = newId();
    const saved = scope;
    scope = undefined;
    const savedNow = now;
    // Registered up to three years before, with up to three email changes since.
    now = start - Math.floor(random() * 3 * 365 * 86_400_000);
    const person = people.next();
    await execute({ type: 'RegisterCustomer', data: { customerId, ...person } });
    const changes = Math.floor(random() * 4);
    for (let i = 0; i < changes; i++) {
      now += 86_400_000;
      await execute({ type: 'UpdateEmail', data: { customerId, newEmail: people.next().email } });
    }
    await runPipeline();
    now = savedNow;
    scope = saved;
    existing.set(index, customerId);
    return customerId;
  };

  const kinds = COMMAND_KINDS.filter((k) => options.mix[k] > 0);
  const total = kinds.reduce((n, k) => n + options.mix[k], 0);
  const pickKind = (): CommandKind => {
    let r = random() * total;
    for (const kind of kinds) {
      r -= options.mix[kind];
      if (r < 0) return kind;
    }
    return kinds[kinds.length - 1] as CommandKind;
  };

  const coldCaches = () => {
    commandSide.crypto?.cache.clear();
    pipeline.crypto?.cache.clear();
  };

  // Commands first, each kind's events kept apart, then each kind's pipeline in full
  // batches, as a busy stream and queue fill them.
  const pending = new Map<CommandKind, { inserts: Item[] }>(kinds.map((k) => [k, { inserts: [] }]));
  for (let i = 0; i < options.sample; i++) {
    const kind = pickKind();
    const input =
      kind === 'register'
        ? { type: 'RegisterCustomer', data: { customerId: newId(), ...people.next() } }
        : kind === 'email'
          ? {
              type: 'UpdateEmail',
              data: {
                customerId: await customerAt(Math.floor(random() * options.customers)),
                newEmail: people.next().email,
              },
            }
          : {
              type: 'SuspendCustomer',
              data: {
                customerId: await customerAt(Math.floor(random() * options.customers)),
                reasonCode: 'CUSTOMER_REQUEST',
              },
            };
    now = start + Math.floor((i * 1000) / options.rate);
    coldCaches();
    const tally = tallies[kind];
    scope = tally;
    tally.commands++;
    tally.invocations.command++;
    try {
      await execute(input);
      await commands.drain();
    } catch {
      tally.rejected++;
    }
    scope = undefined;
    pending.get(kind)?.inserts.push(...eventInserts.splice(0));
  }
  for (const [kind, { inserts }] of pending) {
    scope = tallies[kind];
    coldCaches();
    await publish(inserts);
    await project(entries.splice(0));
    scope = undefined;
  }
  return { options, tallies, keyWrites, targetWrites, tables };
};
