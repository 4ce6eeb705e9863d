/**
 * FNV-1a (32 bits) of a string's UTF-16 code units: stable across processes, releases and
 * languages, and cheap. Every write-sharded key takes its shard from here, so a key spelt by
 * one writer is found by every reader.
 */
export const stableHash = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};

/** The shard, 0 to `shards - 1`, that `text` falls in. */
export const shardOf = (text: string, shards: number): number => stableHash(text) % shards;
