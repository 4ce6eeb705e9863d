import type { EventEnvelope, StreamRef } from '../core/event.js';
import type { StreamTypes } from '../core/stream-types.js';

/** One event's place, typed. */
export interface VersionOfStream extends StreamRef {
  version: number;
}

const NUL = '\u0000';

/**
 * These events read back as stored, each stream from its type's store: one range read per
 * stream, from its lowest to its highest version listed, keeping the versions listed, handed
 * to `onRead` stream by stream. A stream of a type no module is registered for is not read:
 * it is returned by name.
 */
export const readVersions = async (
  positions: Iterable<VersionOfStream>,
  streamTypes: StreamTypes,
  onRead: (events: EventEnvelope[]) => Promise<void> | void,
): Promise<{ streams: number; unregistered: StreamRef[] }> => {
  // Ids are unique within a type only: a stream is its type and id.
  const ranges = new Map<string, StreamRef & { from: number; to: number; versions: Set<number> }>();
  for (const { aggregateType, aggregateId, version } of positions) {
    const key = `${aggregateType}${NUL}${aggregateId}`;
    const range = ranges.get(key) ?? {
      aggregateType,
      aggregateId,
      from: version,
      to: version,
      versions: new Set<number>(),
    };
    range.from = Math.min(range.from, version);
    range.to = Math.max(range.to, version);
    range.versions.add(version);
    ranges.set(key, range);
  }
  const unregistered: StreamRef[] = [];
  for (const range of ranges.values()) {
    const type = streamTypes.find(range.aggregateType);
    if (!type) {
      unregistered.push({ aggregateType: range.aggregateType, aggregateId: range.aggregateId });
      continue;
    }
    const read = await type.stored.readStream(range.aggregateId, {
      fromVersion: range.from,
      toVersion: range.to,
    });
    await onRead(read.filter((e) => range.versions.has(e.version)));
  }
  return { streams: ranges.size, unregistered };
};
