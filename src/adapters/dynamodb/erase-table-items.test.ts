import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../core/errors.js';
import { batchDeleteItems } from './erase-table-items.js';

type Request = { DeleteRequest: { Key: Record<string, unknown> } };

/** A client whose table keeps items by id and leaves the first `skip` deletes of each call. */
const fakeTable = (ids: string[], skipPerCall: number[]) => {
  const items = new Set(ids);
  const calls: number[] = [];
  const client = {
    send: async (command: { input: { RequestItems: Record<string, Request[]> } }) => {
      const requests = command.input.RequestItems.views ?? [];
      calls.push(requests.length);
      const skip = skipPerCall[calls.length - 1] ?? 0;
      for (const request of requests.slice(skip))
        items.delete(String(request.DeleteRequest.Key.id));
      return { UnprocessedItems: skip > 0 ? { views: requests.slice(0, skip) } : {} };
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, items, calls };
};
const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `k${i}` }));

describe('batchDeleteItems', () => {
  it('deletes in calls of 25 and sends unprocessed deletes again until none is left', async () => {
    const table = fakeTable(
      keys(60).map((k) => k.id),
      [5, 2, 0],
    );
    await batchDeleteItems({
      client: table.client,
      tableName: 'views',
      keys: keys(60),
      sleep: async () => {},
    });
    expect(table.items.size).toBe(0);
    // 25 (5 left) → 5 (2 left) → 2, then the next 25 and the last 10.
    expect(table.calls).toEqual([25, 5, 2, 25, 10]);
  });

  it('gives up as unavailable when deletes stay unprocessed', async () => {
    const table = fakeTable(['k0'], Array(20).fill(1));
    await expect(
      batchDeleteItems({
        client: table.client,
        tableName: 'views',
        keys: keys(1),
        sleep: async () => {},
      }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(table.items.has('k0')).toBe(true);
    expect(table.calls).toHaveLength(10);
  });
});
