import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UnreadableCheckpointError } from './stream-poller-errors.js';

export interface ShardCheckpoint {
  sequenceNumber?: string;
  finished?: boolean;
}

/** The last handled sequence number per shard of one stream. */
export interface StreamCheckpoint {
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

const isCheckpoint = (value: unknown): value is StreamCheckpoint => {
  if (typeof value !== 'object' || value === null) return false;
  const { streamArn, shards } = value as Record<string, unknown>;
  if (typeof streamArn !== 'string' || typeof shards !== 'object' || shards === null) return false;
  return Object.values(shards).every(
    (shard) =>
      typeof shard === 'object' &&
      shard !== null &&
      ['undefined', 'string'].includes(typeof (shard as ShardCheckpoint).sequenceNumber) &&
      ['undefined', 'boolean'].includes(typeof (shard as ShardCheckpoint).finished),
  );
};

/**
 * A JSON file holding a stream checkpoint. Writes go one at a time (shards are read
 * concurrently and each saves after its batch), and a write asked for while another is
 * under way is merged with the ones asked after it: the file gets the latest state, once.
 */
export class StreamCheckpointFile {
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private latest: StreamCheckpoint | undefined;

  constructor(readonly path: string) {}

  /** The saved checkpoint, or `undefined` when there is no file yet. */
  async read(): Promise<StreamCheckpoint | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new UnreadableCheckpointError(this.path, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UnreadableCheckpointError(this.path, { cause: error });
    }
    if (!isCheckpoint(parsed)) throw new UnreadableCheckpointError(this.path);
    return parsed;
  }

  /** Resolves once a write that began after the call has put `checkpoint` (or a later one) on disk. */
  save(checkpoint: StreamCheckpoint): Promise<void> {
    this.latest = checkpoint;
    if (this.queued) return this.queued;
    const queued = this.writing
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        const data = this.latest;
        return data ? this.write(data) : undefined;
      });
    this.queued = queued;
    this.writing = queued;
    return queued;
  }

  private async write(checkpoint: StreamCheckpoint): Promise<void> {
    // Write then rename, so a crash never leaves half a checkpoint behind.
    const temporary = `${this.path}.${process.pid}.tmp`;
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(temporary, JSON.stringify(checkpoint, null, 2));
    await rename(temporary, this.path);
  }
}
