import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  type EventBridgeClient,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import type { EventEnvelope, StreamRef } from '../core/event.js';
import { METRIC, type Metrics } from '../core/metrics.js';
import { sleep as defaultSleep } from '../core/ports.js';
import type { StreamChange, StreamChanges } from '../core/stream-changes.js';
import type { StreamTypes } from '../core/stream-types.js';
import { readVersions } from './replay-versions.js';

export interface ReplayRange {
  from: Date;
  to: Date;
}

export interface StartedReplay {
  replayName: string;
  state: string;
  reason?: string;
  /** How far the replay got (EventBridge's `EventLastReplayedTime`). */
  lastReplayed?: string;
}

export interface ArchiveReplayOptions {
  client: Pick<EventBridgeClient, 'send'>;
  busName: string;
  archiveName: string;
  ruleName: string;
  range: ReplayRange;
  /** Names the replay; EventBridge wants it unique per account and region. */
  replayName: string;
  /** Polls `DescribeReplay` until the replay ends, reporting each state seen. */
  wait?: { onState?: (replay: StartedReplay) => void; pollMs?: number; timeoutMs?: number };
  sleep?: (ms: number) => Promise<void>;
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * On AWS: `StartReplay` from the bus's archive to the projection rule alone, so only the
 * projector sees the replayed events again (it absorbs duplicates: a view only catches up).
 */
export const startArchiveReplay = async (options: ArchiveReplayOptions): Promise<StartedReplay> => {
  const { client } = options;
  const [bus, archive, rule] = await Promise.all([
    client.send(new DescribeEventBusCommand({ Name: options.busName })),
    client.send(new DescribeArchiveCommand({ ArchiveName: options.archiveName })),
    client.send(new DescribeRuleCommand({ Name: options.ruleName, EventBusName: options.busName })),
  ]);
  if (!bus.Arn || !archive.ArchiveArn || !rule.Arn) {
    throw new Error('the bus, its archive or the projection rule has no ARN');
  }
  const started = await client.send(
    new StartReplayCommand({
      ReplayName: options.replayName,
      Description: `Events ${options.range.from.toISOString()} to ${options.range.to.toISOString()} to ${options.ruleName}`,
      EventSourceArn: archive.ArchiveArn,
      EventStartTime: options.range.from,
      EventEndTime: options.range.to,
      Destination: { Arn: bus.Arn, FilterArns: [rule.Arn] },
    }),
  );
  let replay: StartedReplay = {
    replayName: options.replayName,
    state: started.State ?? 'STARTING',
    ...(started.StateReason ? { reason: started.StateReason } : {}),
  };
  if (!options.wait) return replay;
  const sleep = options.sleep ?? defaultSleep;
  const deadline = Date.now() + (options.wait.timeoutMs ?? 60 * 60_000);
  options.wait.onState?.(replay);
  while (!FINAL.has(replay.state) && Date.now() < deadline) {
    await sleep(options.wait.pollMs ?? 5000);
    const described = await client.send(
      new DescribeReplayCommand({ ReplayName: options.replayName }),
    );
    replay = {
      replayName: options.replayName,
      state: described.State ?? replay.state,
      ...(described.StateReason ? { reason: described.StateReason } : {}),
      ...(described.EventLastReplayedTime
        ? { lastReplayed: described.EventLastReplayedTime.toISOString() }
        : {}),
    };
    options.wait.onState?.(replay);
  }
  return replay;
};

export interface StoreReplayOptions {
  changes: StreamChanges;
  /** The registered stream types: each stream is read as stored (the publisher sends what it carried). */
  streamTypes: StreamTypes;
  publish: (envelopes: EventEnvelope[]) => Promise<EventEnvelope[]>;
  range: ReplayRange;
  /** Events published per call. */
  batchSize?: number;
  onProgress?: (progress: { published: number; unpublished: number }) => void;
  /** `UnregisteredStreamType` for each stream in the range no module is registered for. */
  metrics?: Metrics;
}

export interface StoreReplayReport {
  streams: number;
  published: number;
  unpublished: EventEnvelope[];
  /** Streams in the range of a type no module is registered for: not read, not published. */
  unregistered: StreamRef[];
}

/**
 * Without an archive (locally, or to repair one): the events accepted in the range, found
 * through the change index, read from their type's event store and published on the bus
 * again. A stream of a type no module is registered for is named and counted, not published.
 */
export const replayFromStore = async (options: StoreReplayOptions): Promise<StoreReplayReport> => {
  const batchSize = Math.max(options.batchSize ?? 100, 1);
  const positions: StreamChange[] = [];
  for await (const page of options.changes.changesBetween(
    options.range.from.toISOString(),
    options.range.to.toISOString(),
  )) {
    positions.push(...page);
  }
  const report: StoreReplayReport = { streams: 0, published: 0, unpublished: [], unregistered: [] };
  let pending: EventEnvelope[] = [];
  const flush = async () => {
    const left = await options.publish(pending);
    report.published += pending.length - left.length;
    report.unpublished.push(...left);
    pending = [];
    options.onProgress?.({ published: report.published, unpublished: report.unpublished.length });
  };
  const { streams, unregistered } = await readVersions(
    positions,
    options.streamTypes,
    async (read) => {
      pending.push(...read);
      if (pending.length >= batchSize) await flush();
    },
  );
  if (pending.length > 0) await flush();
  for (const _ of unregistered) {
    options.metrics?.count(METRIC.unregisteredStreamType, { consumer: 'replay' });
  }
  return { ...report, streams, unregistered };
};
