import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Routes events from one bus and source (optionally some detail types) to an SQS queue. */
export interface EventBridgeRule {
  name: string;
  eventBusName: string;
  source: string;
  /** Any detail type when absent. */
  detailTypes?: string[];
  queueUrl: string;
}

export interface EventBridgeStandInOptions {
  port?: number;
  region?: string;
  accountId?: string;
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

/** The limit EventBridge applies to the sum of the entries' sizes in one PutEvents. */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
export const PUT_EVENTS_MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsJsonError';
  }
}

const utf8Length = (value: unknown): number =>
  typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;

/** Entry size as EventBridge documents it ("Calculating PutEvents event entry size"). */
export const putEventsEntrySize = (entry: PutEventsEntry): number => {
  let size = entry.Time !== undefined ? 14 : 0;
  size += utf8Length(entry.Source) + utf8Length(entry.DetailType) + utf8Length(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += utf8Length(r);
  return size;
};

/** Bus names may be given as names or ARNs (`arn:aws:events:r:a:event-bus/name`). */
const busNameOf = (value: unknown): string => {
  if (typeof value !== 'string' || value === '') return 'default';
  const marker = ':event-bus/';
  const at = value.indexOf(marker);
  return at >= 0 ? value.slice(at + marker.length) : value;
};

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

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_REQUEST_BYTES) {
        reject(new AwsJsonError('ValidationException', 'Request is too large.', 413));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

/**
 * A local EventBridge that speaks the `PutEvents` action of the AWS JSON 1.1 protocol, so
 * the real SDK client and the AWS CLI can call it, and delivers each accepted event to the
 * SQS queues of the matching rules with the body an EventBridge SQS target receives.
 *
 * One deliberate difference: EventBridge accepts an event and then retries delivery on its
 * own; this stand-in delivers before answering and reports a failed delivery as a failed
 * entry, so the caller's retry keeps delivery at least once.
 */
export const startEventBridgeStandIn = async (
  options: EventBridgeStandInOptions,
): Promise<EventBridgeStandIn> => {
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? '000000000000';
  const rules = [...(options.rules ?? [])];
  const counters: EventBridgeStandInStats = { requests: 0, accepted: 0, failed: 0, delivered: 0 };
  let entryFaults = 0;
  let entryFaultCode = 'InternalFailure';
  let requestFaults = 0;
  let requestFaultType: 'InternalException' | 'ThrottlingException' = 'InternalException';

  const deliver = async (entry: PutEventsEntry, busName: string, id: string): Promise<void> => {
    const source = entry.Source as string;
    const detailType = entry.DetailType as string;
    const targets = rules.filter(
      (rule) =>
        rule.eventBusName === busName &&
        rule.source === source &&
        (!rule.detailTypes || rule.detailTypes.includes(detailType)),
    );
    if (targets.length === 0) return;
    const body = JSON.stringify({
      version: '0',
      id,
      'detail-type': detailType,
      source,
      account,
      // EventBridge times carry no milliseconds.
      time: eventTime(entry.Time)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: Array.isArray(entry.Resources) ? entry.Resources : [],
      detail: JSON.parse(entry.Detail as string),
    });
    for (const rule of targets) {
      await options.sqs.send(
        new SendMessageCommand({ QueueUrl: rule.queueUrl, MessageBody: body }),
      );
      counters.delivered++;
    }
  };

  const putEntry = async (entry: PutEventsEntry): Promise<EntryResult> => {
    if (entryFaults > 0) {
      entryFaults--;
      return { ErrorCode: entryFaultCode, ErrorMessage: 'Injected failure.' };
    }
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
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const busName = busNameOf(entry.EventBusName);
    if (busName !== 'default' && !rules.some((rule) => rule.eventBusName === busName))
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${busName} does not exist.`,
      };
    const id = randomUUID();
    try {
      await deliver(entry, busName, id);
    } catch {
      return { ErrorCode: 'InternalFailure', ErrorMessage: 'Delivery to a rule target failed.' };
    }
    return { EventId: id };
  };

  const putEvents = async (input: unknown): Promise<unknown> => {
    const entries = (input as { Entries?: unknown } | null)?.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > PUT_EVENTS_MAX_ENTRIES)
      throw new AwsJsonError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: ` +
          `Member must have length between 1 and ${PUT_EVENTS_MAX_ENTRIES}`,
      );
    const total = entries.reduce<number>((sum, e) => sum + putEventsEntrySize(e ?? {}), 0);
    if (total > PUT_EVENTS_MAX_BYTES)
      throw new AwsJsonError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    const results: EntryResult[] = [];
    for (const entry of entries as PutEventsEntry[]) results.push(await putEntry(entry ?? {}));
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    counters.accepted += results.length - failed;
    counters.failed += failed;
    return { FailedEntryCount: failed, Entries: results };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
      });
      response.end(JSON.stringify(payload));
    };
    try {
      counters.requests++;
      const target = request.headers['x-amz-target'];
      const body = await readBody(request);
      if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents')
        throw new AwsJsonError(
          'UnknownOperationException',
          `Operation ${String(target ?? request.method)} is not supported by this stand-in.`,
        );
      if (requestFaults > 0) {
        requestFaults--;
        throw requestFaultType === 'ThrottlingException'
          ? new AwsJsonError('ThrottlingException', 'Rate exceeded', 400)
          : new AwsJsonError('InternalException', 'Injected failure.', 500);
      }
      let input: unknown;
      try {
        input = JSON.parse(body);
      } catch {
        throw new AwsJsonError('SerializationException', 'Request body is not valid JSON.');
      }
      reply(200, await putEvents(input));
    } catch (error) {
      if (error instanceof AwsJsonError)
        reply(error.status, { __type: error.type, message: error.message });
      else
        reply(500, {
          __type: 'InternalException',
          message: error instanceof Error ? error.message : String(error),
        });
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // Keep-alive sockets would otherwise keep answering while "paused".
      server.closeAllConnections();
    });

  const port = await listen(options.port ?? 0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    addRule: (rule) => {
      rules.push(rule);
    },
    failNextEntries: (count, errorCode = 'InternalFailure') => {
      entryFaults = count;
      entryFaultCode = errorCode;
    },
    failNextRequests: (count, type = 'InternalException') => {
      requestFaults = count;
      requestFaultType = type;
    },
    pause: close,
    resume: async () => {
      if (!server.listening) await listen(port);
    },
    stats: () => ({ ...counters }),
    stop: close,
  };
};
