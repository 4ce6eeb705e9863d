import { describe, it } from 'vitest';
import { upcasterSpec } from '../../../test/support/upcaster-spec.js';
import { customerEventVersions } from './event-versions.js';
import { CustomerEvent } from './events.js';

const spec = upcasterSpec<CustomerEvent>(customerEventVersions, CustomerEvent);

describe('Customer event versions', () => {
  describe('CustomerSuspended', () => {
    it('given v1 {reason}, then OTHER with the reason as the note', () =>
      spec('CustomerSuspended')
        .given({ reason: 'chargeback on order 42' })
        .thenLatest({ reasonCode: 'OTHER', note: 'chargeback on order 42' }));
    it('given v1 with a reason longer than today’s limit, then the whole reason is kept', () =>
      spec('CustomerSuspended')
        .given({ reason: 'x'.repeat(700) })
        .thenLatest({ reasonCode: 'OTHER', note: 'x'.repeat(700) }));
    it('given v2, then the same payload', () =>
      spec('CustomerSuspended')
        .given({ reasonCode: 'FRAUD', note: 'n' }, 2)
        .thenLatest({ reasonCode: 'FRAUD', note: 'n' }));
    it('given v2 without a note, then no note', () =>
      spec('CustomerSuspended')
        .given({ reasonCode: 'CUSTOMER_REQUEST' }, 2)
        .thenLatest({ reasonCode: 'CUSTOMER_REQUEST' }));
  });

  describe('types that never changed', () => {
    it('given CustomerRegistered v1, then the same payload', () =>
      spec('CustomerRegistered')
        .given({ email: 'a@b.io', name: 'Ada' })
        .thenLatest({ email: 'a@b.io', name: 'Ada' }));
    it('given CustomerEmailUpdated v1, then the same payload', () =>
      spec('CustomerEmailUpdated')
        .given({ oldEmail: 'a@b.io', newEmail: 'c@d.io' })
        .thenLatest({ oldEmail: 'a@b.io', newEmail: 'c@d.io' }));
    it('given CustomerReactivated v1, then the same payload', () =>
      spec('CustomerReactivated').given({}).thenLatest({}));
  });
});
