import { randomUUID } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  entrySize,
  MAX_ENTRIES_PER_REQUEST,
  MAX_REQUEST_BYTES,
} from '../../adapters/eventbridge/put-events-batches.js';
import { AwsJsonError } from '../aws-json/aws-json-server.js';
import { busNameOf, type Partition } from './arns.js';
import type { RuleCatalog } from './catalog.js';
import type { TargetDelivery } from './target-delivery.js';

/** An entry as it arrives on the wire: nothing about it is trusted yet. */
interface WireEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
  TraceHeader?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The event EventBridge builds from an entry: what patterns match and SQS targets receive. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface PutEventsCounters {
  accepted: number;
  failed: number;
}

export interface PutEventsDependencies {
  catalog: RuleCatalog;
  partition: Partition;
  delivery: TargetDelivery;
  counters: PutEventsCounters;
  /** An injected failure code for the next entry, if any is pending. */
  takeEntryFault(): string | undefined;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** The entry as the shared size rule sees it, so the limit is counted one way everywhere. */
const sized = (entry: WireEntry): PutEventsRequestEntry => ({
  ...(typeof entry.Source === 'string' ? { Source: entry.Source } : {}),
  ...(typeof entry.DetailType === 'string' ? { DetailType: entry.DetailType } : {}),
  ...(typeof entry.Detail === 'string' ? { Detail: entry.Detail } : {}),
  ...(entry.Time === undefined ? {} : { Time: new Date(0) }),
  Resources: strings(entry.Resources),
});

const eventTime = (value: unknown): Date => {
  // The SDK sends epoch seconds; other clients may send an ISO string.
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string') {
    const parsed = new Date(value);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  return new Date();
};

const invalidArgument = (parameter: string, reason: string): EntryResult => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}`,
});

/** Validates an entry as EventBridge does and builds its event, or says why not. */
const toBusEvent = (
  entry: WireEntry,
  dependencies: PutEventsDependencies,
): { busName: string; event: BusEvent; body: string } | EntryResult => {
  if (typeof entry.Source !== 'string' || entry.Source === '')
    return invalidArgument('Source', 'Source is a required argument.');
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '')
    return invalidArgument('DetailType', 'DetailType is a required argument.');
  if (typeof entry.Detail !== 'string' || entry.Detail === '')
    return invalidArgument('Detail', 'Detail is a required argument.');
  if (entry.Source.startsWith('aws.'))
    return {
      ErrorCode: 'NotAuthorizedForSourceException',
      ErrorMessage: 'Not authorized for the source.',
    };
  // Parsed only to validate and to match: targets receive the text as sent, so big integers,
  // `1.0`, key order and repeated keys arrive as they left (JSON.parse accepts repeated keys,
  // as EventBridge does; lossless parsers refuse them).
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const busName = busNameOf(entry.EventBusName);
  if (!dependencies.catalog.hasBus(busName))
    return {
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: `Event bus ${busName} does not exist.`,
    };
  const event: BusEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: dependencies.partition.account,
    // EventBridge times carry no milliseconds.
    time: eventTime(entry.Time)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    region: dependencies.partition.region,
    resources: strings(entry.Resources),
    detail: detail as Record<string, unknown>,
  };
  const { detail: _parsed, ...envelope } = event;
  const body = `${JSON.stringify(envelope).slice(0, -1)},"detail":${entry.Detail}}`;
  return { busName, event, body };
};

const putEntry = async (
  entry: WireEntry,
  dependencies: PutEventsDependencies,
): Promise<EntryResult> => {
  const fault = dependencies.takeEntryFault();
  if (fault !== undefined) return { ErrorCode: fault, ErrorMessage: 'Injected failure.' };
  const built = toBusEvent(entry, dependencies);
  if (!('event' in built)) return built;
  const { busName, event, body } = built;
  const acceptedAt = Date.now();
  const traceHeader = typeof entry.TraceHeader === 'string' ? entry.TraceHeader : undefined;
  for (const { rule, target } of dependencies.catalog.targetsFor(busName, event))
    await dependencies.delivery.deliver({
      rule,
      target,
      body,
      acceptedAt,
      ...(traceHeader === undefined ? {} : { traceHeader }),
    });
  return { EventId: event.id };
};

/**
 * PutEvents: the request limits (1 to 10 entries, 256 KB by the documented size rule) fail
 * the whole request; everything else fails only its entry, in the answer's position.
 */
export const putEvents = async (
  input: unknown,
  dependencies: PutEventsDependencies,
): Promise<{ FailedEntryCount: number; Entries: EntryResult[] }> => {
  const entries = (input as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES_PER_REQUEST)
    throw new AwsJsonError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: ` +
        `Member must have length between 1 and ${MAX_ENTRIES_PER_REQUEST}`,
    );
  const wire = entries.map((entry): WireEntry => (typeof entry === 'object' && entry ? entry : {}));
  const total = wire.reduce((sum, entry) => sum + entrySize(sized(entry)), 0);
  if (total > MAX_REQUEST_BYTES)
    throw new AwsJsonError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  const results: EntryResult[] = [];
  for (const entry of wire) results.push(await putEntry(entry, dependencies));
  const failed = results.filter((result) => 'ErrorCode' in result).length;
  dependencies.counters.accepted += results.length - failed;
  dependencies.counters.failed += failed;
  return { FailedEntryCount: failed, Entries: results };
};
