import { customerViewReaderContract } from '../../../test/contract/customer-view-reader.contract.js';
import { InMemoryCustomerViewReader } from './in-memory-customer-view-reader.js';

customerViewReaderContract('InMemoryCustomerViewReader', async () => {
  const reader = new InMemoryCustomerViewReader();
  return { reader, put: async (view) => reader.put(view) };
});
