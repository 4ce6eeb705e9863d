import { describe, expect, it } from 'vitest';
import { ShardList } from './shard-list.js';

const ids = (list: { shardId: string }[]) => list.map((s) => s.shardId);

describe('shard list', () => {
  it('reads a child only once its parent is read to its end', () => {
    const list = new ShardList();
    const { added } = list.merge([
      { ShardId: 'child', ParentShardId: 'parent' },
      { ShardId: 'parent' },
    ]);
    expect(ids(added)).toEqual(['child', 'parent']);
    expect(ids(list.ready())).toEqual(['parent']);
    const parent = added.find((s) => s.shardId === 'parent');
    if (parent) parent.finished = true;
    expect(ids(list.ready())).toEqual(['child']);
  });

  it('keeps what it knows across listings and forgets shards no longer listed', () => {
    const list = new ShardList();
    list.restore({
      streamArn: 'arn',
      shards: { old: { sequenceNumber: '5', finished: true }, open: { sequenceNumber: '9' } },
    });
    const { added, removed } = list.merge([{ ShardId: 'open' }, { ShardId: 'new' }]);
    expect(ids(added)).toEqual(['new']);
    expect(removed.map((s) => [s.shardId, s.removed])).toEqual([['old', true]]);
    expect(list.checkpoint('arn')).toEqual({
      streamArn: 'arn',
      shards: { open: { sequenceNumber: '9' } },
    });
    expect(ids(list.ready())).toEqual(['open', 'new']);
  });
});
