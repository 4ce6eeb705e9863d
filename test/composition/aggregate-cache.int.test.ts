import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerModule } from '../../src/app/customer/module.js';
import { Service } from '../../src/composition/service.js';
import { readConfig } from '../../src/config.js';
import { UniquenessError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/ports.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

let tables: TestTables;
let processes: Service[];

beforeAll(async () => {
  tables = await createTestTables();
  // Two service instances, as two Lambda containers: one table, a cache each.
  processes = [0, 1].map(
    () =>
      new Service({
        config: readConfig({
          COMMAND_TABLE: tables.eventStoreTableName,
          QUERY_TABLE: tables.viewsTableName,
          AGGREGATE_CACHE_SIZE: '100',
          COMMAND_RETRY_BUDGET_MS: '20000',
        }),
        clients: { dynamodb: tables.documentClient },
        logger: silentLogger,
      }),
  );
});
afterAll(async () => {
  await tables?.dispose();
});

const meta = { correlationId: 'cache-test' };
const currentEmail = (payload: unknown): string => {
  const p = payload as { email?: string; newEmail?: string };
  return p.newEmail ?? p.email ?? '';
};

describe('two service instances with their own aggregate caches on one DynamoDB', () => {
  it('land every email change once, each decided on the latest state, and no email is held twice', async () => {
    const [a, b] = processes as [Service, Service];
    const ids = ['p1', 'p2', 'p3', 'p4'];
    // Both caches start warm on every customer.
    for (const id of ids) {
      await a.aggregate(customerModule).commands.execute(
        {
          type: 'RegisterCustomer',
          data: { customerId: id, email: `${id}@example.com`, name: 'P' },
        },
        meta,
      );
      await b
        .aggregate(customerModule)
        .commands.execute(
          { type: 'SuspendCustomer', data: { customerId: id, reasonCode: 'FRAUD' } },
          meta,
        );
      await a
        .aggregate(customerModule)
        .commands.execute({ type: 'ReactivateCustomer', data: { customerId: id } }, meta);
    }
    // a's entries are at version 3; b's at version 2, already stale.
    expect(a.aggregate(customerModule).aggregateCache?.get('p1')?.version).toBe(3);
    expect(b.aggregate(customerModule).aggregateCache?.get('p1')?.version).toBe(2);

    // Rounds of changes from both instances; the emails rotate through a shared pool, so a
    // stale release or claim would hand one address to two customers.
    const pool = (n: number) => `pool-${n % 6}@example.com`;
    for (let round = 0; round < 6; round++) {
      const writes = ids.flatMap((id, i) =>
        [a, b].map((service, s) =>
          service
            .aggregate(customerModule)
            .commands.execute(
              {
                type: 'UpdateEmail',
                data: { customerId: id, newEmail: pool(round * 3 + i + s * 7) },
              },
              meta,
            )
            .then(
              () => 'landed',
              (error: unknown) =>
                error instanceof UniquenessError ? 'taken' : Promise.reject(error),
            ),
        ),
      );
      const outcomes = await Promise.all(writes);
      expect(outcomes.every((o) => o === 'landed' || o === 'taken')).toBe(true);
    }

    const current = new Map<string, string>();
    for (const id of ids) {
      const events = await tables.events.readStream(id);
      // Versions 1..n with no gap, and every change starts from the email before it.
      expect(events.map((e) => e.version)).toEqual(events.map((_, n) => n + 1));
      let held = '';
      for (const event of events) {
        if (event.eventType === 'CustomerEmailUpdated') {
          expect((event.payload as { oldEmail?: string }).oldEmail).toBe(held);
        }
        held = currentEmail(event.payload) || held;
      }
      current.set(id, held.toLowerCase());
    }
    // Four customers, four different addresses.
    expect(new Set(current.values()).size).toBe(ids.length);

    // The claims on the table: exactly one per customer, each owned by a different one.
    const { Items = [] } = await tables.documentClient.send(
      new ScanCommand({
        TableName: tables.eventStoreTableName,
        FilterExpression: 'itemType = :unique',
        ExpressionAttributeValues: { ':unique': 'UNIQUE' },
        ConsistentRead: true,
      }),
    );
    const owners = Items.map((item) => item.owner as string).sort();
    expect(owners).toEqual([...ids].sort());

    // Every address a customer holds now is refused to a newcomer, by either instance.
    for (const [n, email] of [...current.values()].entries()) {
      const service = processes[n % 2] as Service;
      await expect(
        service
          .aggregate(customerModule)
          .commands.execute(
            { type: 'RegisterCustomer', data: { customerId: `new-${n}`, email, name: 'N' } },
            meta,
          ),
      ).rejects.toBeInstanceOf(UniquenessError);
    }
    // An address given up is free again.
    const freed = [0, 1, 2, 3, 4, 5]
      .map((n) => `pool-${n}@example.com`)
      .find((email) => ![...current.values()].includes(email));
    expect(freed).toBeDefined();
    await expect(
      b
        .aggregate(customerModule)
        .commands.execute(
          { type: 'RegisterCustomer', data: { customerId: 'late', email: freed, name: 'L' } },
          meta,
        ),
    ).resolves.toMatchObject({ version: 1 });
  }, 60_000);

  it('a client version seen through the other instance is accepted, not answered 409', async () => {
    const [a, b] = processes as [Service, Service];
    await a.aggregate(customerModule).commands.execute(
      {
        type: 'RegisterCustomer',
        data: { customerId: 'v1', email: 'v1@example.com', name: 'V' },
      },
      meta,
    );
    const moved = await b
      .aggregate(customerModule)
      .commands.execute(
        { type: 'UpdateEmail', data: { customerId: 'v1', newEmail: 'v2@example.com' } },
        meta,
      );
    // a's cache still says version 1; the client read version 2 from b.
    const outcome = await a.aggregate(customerModule).commands.execute(
      {
        type: 'UpdateEmail',
        data: { customerId: 'v1', newEmail: 'v3@example.com', expectedVersion: moved.version },
      },
      meta,
    );
    expect(outcome.version).toBe(3);
    expect((await tables.events.readStream('v1')).map((e) => e.version)).toEqual([1, 2, 3]);
  });
});
