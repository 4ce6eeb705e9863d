import { describeEventStoreContract } from '../../../test/contract/event-store.contract.js';
import { InMemoryEventStore } from './in-memory-event-store.js';

describeEventStoreContract('in memory', async () => ({
  store: new InMemoryEventStore(),
  dispose: async () => {},
}));
