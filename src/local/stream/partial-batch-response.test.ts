import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { firstFailedIndex } from './partial-batch-response.js';

const records: _Record[] = ['1', '2', '3'].map((SequenceNumber) => ({
  dynamodb: { SequenceNumber },
}));
const failing = (...ids: string[]) => ({
  batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })),
});

describe('partial batch response', () => {
  it('retries from the lowest failed record; no failure, or no response, means all succeeded', () => {
    expect(firstFailedIndex(records, failing('3', '2'))).toBe(1);
    expect(firstFailedIndex(records, failing())).toBe(3);
    expect(firstFailedIndex(records, undefined)).toBe(3);
  });

  it('fails the whole batch for an identifier that names no record', () => {
    expect(firstFailedIndex(records, failing('3', 'nope'))).toBe(0);
  });
});
