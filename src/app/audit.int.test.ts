import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHistories } from '../../test/support/customer-histories.js';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import { deliverShuffled } from '../../test/support/projection-scenario.js';
import type { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import type { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { runAuditCli } from '../ops/audit-cli.js';
import type { CliIo } from '../ops/cli-io.js';
import type { AuditReport } from './audit.js';
import { createProjectorHandler } from './projector.js';

let tables: TestTables;
let events: DynamoDBEventStore;
let views: DynamoDBCustomerViewStore;
let ids: string[];

beforeAll(async () => {
  tables = await createTestTables();
  ({ events, views } = tables);
  // Versions 1 to 4, ten of each.
  const histories = Array.from({ length: 40 }, (_, i) =>
    (['email', 'suspend', 'reactivate'] as const).slice(0, i % 4),
  );
  ids = await runHistories(events, histories, 'audit');
  const streams = await Promise.all(ids.map((id) => events.readStream(id)));
  const delivery = await deliverShuffled({
    handlers: [createProjectorHandler({ streams: customerStreams(events, views) })],
    streams,
    seed: 7,
  });
  expect(delivery.failures).toEqual([]);
});
afterAll(() => tables.dispose());

const cli = async (...args: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await runAuditCli(
    args,
    {
      COMMAND_TABLE: tables.eventStoreTableName,
      QUERY_TABLE: tables.viewsTableName,
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
    },
    io,
  );
  return { code, out, err };
};

const json = async () => {
  const { code, out, err } = await cli('--json', '--page-size', '6');
  // The target goes to stderr, so stdout stays JSON.
  expect(err).toEqual([`Using AWS_ENDPOINT_URL_DYNAMODB=${tables.endpoint}.`]);
  return { code, report: JSON.parse(out.join('\n')) as AuditReport };
};

const id = (n: number) => ids[n] ?? '';
const item = async (customerId: string) => {
  const { Item } = await tables.documentClient.send(
    new GetCommand({ TableName: tables.viewsTableName, Key: { customerId } }),
  );
  if (!Item) throw new Error(`no view ${customerId}`);
  return Item;
};
const putItem = (Item: Record<string, unknown>) =>
  tables.documentClient.send(new PutCommand({ TableName: tables.viewsTableName, Item }));

describe('npm run audit:views against DynamoDB Local', () => {
  it('is clean after the projector built the read model (exit 0)', async () => {
    const { code, report } = await json();
    expect(code).toBe(0);
    expect(report).toMatchObject({ streams: 40, views: 40, clean: true, examples: [] });
    expect(report.counts.ok).toBe(40);

    const table = await cli();
    expect(table.code).toBe(0);
    expect(table.out.join('\n')).toContain('Clean: every view matches its stream.');
  });

  it('counts every kind of breakage exactly and exits 1', async () => {
    // ids[n] is at version 1 + n % 4.
    await tables.documentClient.send(
      new DeleteCommand({ TableName: tables.viewsTableName, Key: { customerId: id(0) } }),
    );
    await tables.documentClient.send(
      new DeleteCommand({ TableName: tables.viewsTableName, Key: { customerId: id(4) } }),
    );
    // Behind: ids[2] (v3, suspended) rewound to its v2 state.
    const [, second] = await events.readStream(id(2));
    const rewound = await item(id(2));
    const { suspensionReason: _reason, suspensionReasonCode: _code, ...withoutReason } = rewound;
    await putItem({
      ...withoutReason,
      status: 'ACTIVE',
      statusSortKey: rewound.statusSortKey,
      version: 2,
      lastUpdated: second?.timestamp,
    });
    // Ahead: a version no event has.
    await tables.documentClient.send(
      new UpdateCommand({
        TableName: tables.viewsTableName,
        Key: { customerId: id(5) },
        UpdateExpression: 'SET #v = :v',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': 99 },
      }),
    );
    // Different: same version, another name; and an index key that would hide it from search.
    await putItem({ ...(await item(id(9))), name: 'Tampered' });
    await putItem({ ...(await item(id(13))), emailLower: 'someone@else.example' });
    // Orphan: a view with no stream.
    await putItem({ ...(await item(id(17))), customerId: 'nobody-home' });
    // Unprojectable: a poison event at the end of ids[21]'s stream (v2).
    await events.append(
      id(21),
      [
        {
          eventId: 'poison',
          aggregateType: 'Customer',
          aggregateId: id(21),
          eventType: 'CustomerEmailUpdated',
          payload: { newEmail: 7 },
          timestamp: '2024-06-01T00:00:00.000Z',
          version: 3,
          metadata: { correlationId: 'c', schemaVersion: 1 },
        },
      ],
      { expectedVersion: 2 },
    );

    const { code, report } = await json();
    expect(code).toBe(1);
    expect(report.streams).toBe(40);
    expect(report.views).toBe(39);
    expect(report.counts).toEqual({
      ok: 33,
      missing: 2,
      behind: 1,
      ahead: 1,
      different: 2,
      unprojectable: 1,
      orphan: 1,
      unregistered: 0,
    });
    const byId = new Map(report.examples.map((e) => [e.aggregateId, e]));
    expect(byId.get(id(0))).toMatchObject({ finding: 'missing', expectedVersion: 1 });
    expect(byId.get(id(2))).toEqual({
      finding: 'behind',
      aggregateType: 'Customer',
      aggregateId: id(2),
      projection: 'customer-views',
      expectedVersion: 3,
      actualVersion: 2,
      fields: ['lastUpdated', 'status', 'suspensionReasonCode', 'version'],
    });
    expect(byId.get(id(5))).toMatchObject({ finding: 'ahead', expectedVersion: 2 });
    expect(byId.get(id(5))?.actualVersion).toBe(99);
    expect(byId.get(id(9))).toMatchObject({ finding: 'different', fields: ['name'] });
    expect(byId.get(id(13))).toMatchObject({ finding: 'different', fields: ['emailLower'] });
    expect(byId.get('nobody-home')).toMatchObject({ finding: 'orphan', actualVersion: 2 });
    expect(byId.get(id(21))).toMatchObject({
      finding: 'unprojectable',
      expectedVersion: 2,
      actualVersion: 2,
    });
    expect(byId.get(id(21))?.error).toContain('malformed');

    const table = await cli('--examples', '1');
    expect(table.code).toBe(1);
    const text = table.out.join('\n');
    expect(text).toMatch(/missing\s+2/);
    expect(text).toMatch(/unprojectable\s+1/);
    expect(text).toContain('Views differ.');
  });

  it('exits 2 when it cannot run', async () => {
    const { code, err } = await cli('--bogus');
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('bogus');
  });
});
