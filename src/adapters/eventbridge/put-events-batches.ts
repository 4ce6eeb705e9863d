import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

/** PutEvents limits: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html */
export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The size of one entry as EventBridge counts it (not the size of its JSON). */
export const entrySize = (entry: PutEventsRequestEntry): number => {
  let size = entry.Time === undefined ? 0 : 14;
  if (entry.Source !== undefined) size += utf8Bytes(entry.Source);
  if (entry.DetailType !== undefined) size += utf8Bytes(entry.DetailType);
  if (entry.Detail !== undefined) size += utf8Bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8Bytes(resource);
  return size;
};

export interface BatchLimits {
  maxEntries: number;
  maxBytes: number;
}

/**
 * Splits items into consecutive batches that each fit one PutEvents request, keeping their
 * order so the first failure still names the earliest unpublished record. An item larger
 * than `maxBytes` on its own gets a batch of its own (callers shrink such entries first).
 */
export const planBatches = <Item>(
  items: readonly Item[],
  sizeOf: (item: Item) => number,
  limits: BatchLimits = { maxEntries: MAX_ENTRIES_PER_REQUEST, maxBytes: MAX_REQUEST_BYTES },
): Item[][] => {
  const batches: Item[][] = [];
  let current: Item[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (
      current.length > 0 &&
      (current.length >= limits.maxEntries || bytes + size > limits.maxBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};
