import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StreamCheckpoint, StreamCheckpointFile } from './stream-checkpoint-file.js';
import { UnreadableCheckpointError } from './stream-poller-errors.js';

const at = (sequenceNumber: string): StreamCheckpoint => ({
  streamArn: 'arn:stream',
  shards: { s: { sequenceNumber } },
});

describe('stream checkpoint file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'checkpoint-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads nothing before the first save, then what was saved last, with no file left behind', async () => {
    const file = new StreamCheckpointFile(join(dir, 'nested', 'first.json'));
    expect(await file.read()).toBeUndefined();
    await file.save(at('1'));
    await file.save(at('2'));
    expect(await file.read()).toEqual(at('2'));
    expect(await readdir(join(dir, 'nested'))).toEqual(['first.json']);
  });

  it('writes saves asked for together one at a time, ending with the latest', async () => {
    const path = join(dir, 'concurrent.json');
    const file = new StreamCheckpointFile(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => file.save(at(String(i)))));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(at('19'));
  });

  it('refuses a file that is not a checkpoint, naming the file', async () => {
    const path = join(dir, 'broken.json');
    for (const text of ['{"streamArn":', '{"streamArn":"a","shards":{"s":{"finished":"yes"}}}']) {
      await writeFile(path, text);
      const reading = new StreamCheckpointFile(path).read();
      await expect(reading).rejects.toBeInstanceOf(UnreadableCheckpointError);
      await expect(reading).rejects.toThrow(path);
    }
  });
});
