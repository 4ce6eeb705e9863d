import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../adapters/memory/in-memory-event-store.js';
import type { EventEnvelope } from '../../core/event.js';
import { UnknownEventTypeError, UnknownEventVersionError } from '../../core/upcasting.js';
import { CustomerNotActiveError } from '../../domain/customer/errors.js';
import { runDirectCommand } from '../direct-commands.js';
import { createHttpApp } from '../http/app.js';
import { createCommandRoutes } from './command-routes.js';
import { CustomerCommandService } from './customer-commands.js';
import { customerEventUpcaster, upcastCustomerEvent } from './customer-events.js';

const meta = { correlationId: 'corr-1' };
const setup = () => {
  const store = new InMemoryEventStore();
  let n = 0;
  const commands = new CustomerCommandService({
    store,
    clock: { now: () => new Date('2026-11-27T10:00:00.000Z') },
    ids: { newId: () => `id-${++n}` },
  });
  return { store, commands };
};
const register = (customerId: string) => ({
  type: 'RegisterCustomer',
  data: { customerId, email: `${customerId}@example.com`, name: 'Ada' },
});
const suspend = (customerId: string, fields: Record<string, unknown>) => ({
  type: 'SuspendCustomer',
  data: { customerId, ...fields },
});
const stored = (
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion: number,
): EventEnvelope => ({
  eventId: `stored-${version}`,
  aggregateType: 'Customer',
  aggregateId: 'c1',
  eventType,
  payload,
  timestamp: '2026-11-26T10:00:00.000Z',
  version,
  metadata: { correlationId: 'older', schemaVersion },
});

describe('Customer events: versions on the command side', () => {
  it('writes each event with its type’s latest schema version', async () => {
    const { store, commands } = setup();
    await commands.execute(register('c1'), meta);
    await commands.execute(suspend('c1', { reasonCode: 'FRAUD', note: 'card testing' }), meta);
    const events = await store.readStream('c1');
    expect(events.map((e) => [e.eventType, e.metadata.schemaVersion])).toEqual([
      ['CustomerRegistered', 2],
      ['CustomerSuspended', 3],
    ]);
    expect(events[1]?.payload).toEqual({ reasonCode: 'FRAUD', note: 'card testing' });
  });

  it('takes the older `{reason}` as OTHER with the reason as its note', async () => {
    const { store, commands } = setup();
    await commands.execute(register('c1'), meta);
    await commands.execute(suspend('c1', { reason: 'asked by phone' }), meta);
    expect((await store.readStream('c1'))[1]).toMatchObject({
      payload: { reasonCode: 'OTHER', note: 'asked by phone' },
      metadata: { schemaVersion: 3 },
    });
  });

  it('refuses an unknown code naming reasonCode, and writes nothing', async () => {
    const { store, commands } = setup();
    await commands.execute(register('c1'), meta);
    const error = await commands
      .execute(suspend('c1', { reasonCode: 'BORED' }), meta)
      .catch((e: unknown) => e);
    expect((error as { details?: { field: string }[] }).details?.map((d) => d.field)).toEqual([
      'data.reasonCode',
    ]);
    expect(await store.readStream('c1')).toHaveLength(1);
  });

  it('given a stream stored in v1, when a command, then it decides on the upcast state', async () => {
    const { store, commands } = setup();
    await store.append(
      'c1',
      [
        stored(1, 'CustomerRegistered', { email: 'c1@example.com', name: 'Ada' }, 1),
        stored(2, 'CustomerSuspended', { reason: 'old reason' }, 1),
      ],
      { expectedVersion: 0 },
    );
    await expect(
      commands.execute(suspend('c1', { reasonCode: 'FRAUD' }), meta),
    ).rejects.toBeInstanceOf(CustomerNotActiveError);
    await commands.execute({ type: 'ReactivateCustomer', data: { customerId: 'c1' } }, meta);
    expect((await store.readStream('c1')).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('answers the history in the latest shape', async () => {
    const { store, commands } = setup();
    await store.append(
      'c1',
      [
        stored(1, 'CustomerRegistered', { email: 'c1@example.com', name: 'Ada' }, 1),
        stored(2, 'CustomerSuspended', { reason: 'old reason' }, 1),
      ],
      { expectedVersion: 0 },
    );
    const history = await commands.history('c1');
    expect(history[1]).toMatchObject({
      eventType: 'CustomerSuspended',
      payload: { reasonCode: 'OTHER', note: 'old reason' },
      metadata: { correlationId: 'older', schemaVersion: 3 },
    });
    // Reading never rewrites what is stored.
    expect((await store.readStream('c1'))[1]?.payload).toEqual({ reason: 'old reason' });
  });

  it.each([
    ['an unknown type', stored(2, 'CustomerMerged', { into: 'c9' }, 1), UnknownEventTypeError],
    [
      'a newer version',
      stored(2, 'CustomerSuspended', { reasonCode: 'FRAUD', cipher: 'x' }, 4),
      UnknownEventVersionError,
    ],
  ])(
    'refuses a command on a stream holding %s, naming type and version',
    async (_, event, type) => {
      const { store, commands } = setup();
      await store.append(
        'c1',
        [stored(1, 'CustomerRegistered', { email: 'c1@example.com', name: 'Ada' }, 1), event],
        { expectedVersion: 0 },
      );
      const error = await commands
        .execute({ type: 'ReactivateCustomer', data: { customerId: 'c1' } }, meta)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toContain(event.eventType);
      expect((error as Error).message).toContain(`version ${event.metadata.schemaVersion}`);
      expect(await store.readStream('c1')).toHaveLength(2);
    },
  );
});

describe('Customer events at the edges', () => {
  it('takes the older `{reason}` in a direct invocation too', async () => {
    const { store, commands } = setup();
    await commands.execute(register('c1'), meta);
    const answer = await runDirectCommand(
      commands,
      { commandType: 'SuspendCustomer', payload: { customerId: 'c1', reason: 'by phone' } },
      'corr-2',
    );
    expect(answer).toMatchObject({ statusCode: 200 });
    expect((await store.readStream('c1'))[1]?.payload).toEqual({
      reasonCode: 'OTHER',
      note: 'by phone',
    });
  });

  it('answers a command on a stream it cannot read with a 503 naming type and version', async () => {
    const { store, commands } = setup();
    await store.append(
      'c1',
      [
        stored(1, 'CustomerRegistered', { email: 'c1@example.com', name: 'Ada' }, 1),
        stored(2, 'CustomerMerged', { into: 'c9' }, 1),
      ],
      { expectedVersion: 0 },
    );
    const response = await createHttpApp({ commands: [createCommandRoutes(commands)] }).request(
      '/customers/c1/reactivate',
      {
        method: 'POST',
      },
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({
      error: {
        code: 'EVENT_TYPE_UNKNOWN',
        message:
          'Unknown event type CustomerMerged (schema version 1) at event 2 of stream c1: written by a newer deployment?',
      },
    });
    expect(await store.readStream('c1')).toHaveLength(2);
  });
});

describe('customerEventUpcaster', () => {
  it('returns an envelope already in the latest shape as it is', () => {
    const latest = stored(2, 'CustomerSuspended', { reasonCode: 'FRAUD' }, 3);
    expect(upcastCustomerEvent(latest)).toBe(latest);
  });

  it('knows the latest version of every type', () => {
    expect(
      (
        [
          'CustomerRegistered',
          'CustomerEmailUpdated',
          'CustomerSuspended',
          'CustomerReactivated',
          'CustomerForgotten',
        ] as const
      ).map((type) => customerEventUpcaster.latestVersion(type)),
    ).toEqual([2, 2, 3, 1, 1]);
  });
});
