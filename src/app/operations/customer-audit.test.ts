import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../adapters/memory/in-memory-event-store.js';
import type { AuditViewSource, StoredViewItem } from '../audit.js';
import { CustomerCommandService } from '../customer/customer-commands.js';
import { auditCustomer } from './customer-audit.js';

const viewsOf = (items: Record<string, StoredViewItem>): AuditViewSource => ({
  storesIndexKeys: false,
  get: async (id) => items[id],
  async *scan() {},
});

const setup = async () => {
  const events = new InMemoryEventStore();
  const commands = new CustomerCommandService({ store: events });
  const meta = { correlationId: 'c-1' };
  await commands.execute(
    {
      type: 'RegisterCustomer',
      data: { customerId: 'cu-1', email: 'ada@example.com', name: 'Ada' },
    },
    meta,
  );
  await commands.execute(
    { type: 'SuspendCustomer', data: { customerId: 'cu-1', reasonCode: 'FRAUD' } },
    meta,
  );
  const stream = await events.readStream('cu-1');
  const registeredAt = stream[0]?.timestamp ?? '';
  const suspendedAt = stream[1]?.timestamp ?? '';
  const correct: StoredViewItem = {
    customerId: 'cu-1',
    email: 'ada@example.com',
    name: 'Ada',
    status: 'SUSPENDED',
    registrationDate: registeredAt,
    lastUpdated: suspendedAt,
    version: 2,
    suspensionReasonCode: 'FRAUD',
  };
  return { events, correct };
};

describe('auditCustomer', () => {
  it('finds a view equal to the fold of its stream ok', async () => {
    const { events, correct } = await setup();
    const audit = await auditCustomer('cu-1', { events, views: viewsOf({ 'cu-1': correct }) });
    expect(audit).toMatchObject({ finding: 'ok', fields: [], streamVersion: 2, view: correct });
    expect(audit.fold).toEqual(correct);
  });

  it('names the fields of a view that drifted from its stream', async () => {
    const { events, correct } = await setup();
    const drifted = { ...correct, name: 'Ada L.', status: 'ACTIVE' };
    const audit = await auditCustomer('cu-1', { events, views: viewsOf({ 'cu-1': drifted }) });
    expect(audit.finding).toBe('different');
    expect(audit.fields).toEqual(['name', 'status']);
  });

  it('says behind for a view that trails, and missing for none', async () => {
    const { events, correct } = await setup();
    const behind = await auditCustomer('cu-1', {
      events,
      views: viewsOf({ 'cu-1': { ...correct, version: 1 } }),
    });
    expect(behind.finding).toBe('behind');
    const missing = await auditCustomer('cu-1', { events, views: viewsOf({}) });
    expect(missing).toMatchObject({ finding: 'missing', view: undefined, streamVersion: 2 });
  });

  it('says orphan for a view without a stream', async () => {
    const { events, correct } = await setup();
    const audit = await auditCustomer('cu-9', { events, views: viewsOf({ 'cu-9': correct }) });
    expect(audit).toMatchObject({ finding: 'orphan', fold: undefined, streamVersion: 0 });
  });
});
