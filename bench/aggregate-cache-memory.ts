/**
 * `node --import tsx bench/aggregate-cache-memory.ts [entries]`: the heap an LRU aggregate
 * cache of customers holds, measured with forced garbage collections around filling it
 * with states as the decider folds them (registered, then an email change).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LruAggregateCache } from '../src/core/aggregate-cache.js';
import { type CustomerState, customerDecider } from '../src/domain/customer/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const entries = Number(process.argv[2] ?? 10_000);

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const stateOf = (n: number): CustomerState => {
  let state = customerDecider.initialState();
  state = customerDecider.evolve(state, {
    type: 'CustomerRegistered',
    data: { email: `customer-${n}@example.com`, name: `Customer number ${n}` },
  } as never);
  return customerDecider.evolve(state, {
    type: 'CustomerEmailUpdated',
    data: { oldEmail: `customer-${n}@example.com`, newEmail: `customer-${n}-1@example.com` },
  } as never);
};

const before = heap();
const cache = new LruAggregateCache<CustomerState>(entries);
for (let n = 0; n < entries; n++) {
  // Ids as the service makes them: UUIDs.
  cache.set(crypto.randomUUID(), { state: stateOf(n), version: 2, sinceSnapshot: 2 });
}
const after = heap();
const bytes = after - before;
console.log(
  JSON.stringify({
    entries: cache.stats().size,
    heapMiB: Math.round((bytes / 1024 / 1024) * 100) / 100,
    bytesPerEntry: Math.round(bytes / entries),
  }),
);
