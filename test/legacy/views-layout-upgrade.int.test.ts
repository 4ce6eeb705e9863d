import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableIfMissing } from '../../src/adapters/dynamodb/create-tables.js';
import { DynamoDBCustomerViewAuditSource } from '../../src/adapters/dynamodb/dynamodb-customer-view-audit-source.js';
import { DynamoDBCustomerViewReader } from '../../src/adapters/dynamodb/dynamodb-customer-view-reader.js';
import {
  customerViewsTable,
  customerViewsTableLayout1,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { auditViews } from '../../src/app/audit.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { type CustomerView, customerViewProjection } from '../../src/app/customer/customer-view.js';
import type { CustomerViewPage } from '../../src/app/customer/customer-view-reader.js';
import { applyEnvelopes } from '../../src/core/projection.js';
import type { CliIo } from '../../src/ops/cli-io.js';
import { runRebuildCli } from '../../src/ops/rebuild-cli.js';
import { customerStreams } from '../support/customer-stream-types.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';
import { unshardedViewItem } from '../support/view-items.js';

/**
 * The upgrade path of the read model (docs/operations.md, "Views layout 2"): a views table
 * the first deployment created and wrote (indexes `byStatus` and `byEmail`, items with that
 * layout's keys only) keeps answering; `rebuild --into` builds a fresh table on the sharded
 * layout that answers the same from the new indexes.
 */
let tables: TestTables;
let dataDir: string;
const blue = `views1-${randomUUID().slice(0, 8)}`;
const green = `customer-views-${randomUUID().slice(0, 8)}`;

const people = [
  { id: 'up-ann', email: 'Ann@Example.com', suspend: false },
  { id: 'up-bob', email: 'bob@example.com', suspend: true },
  { id: 'up-cy', email: 'cy@gmail.com', suspend: false },
  { id: 'up-dee', email: 'ann@example.com.au', suspend: false },
  { id: 'up-eve', email: 'eve@gmail.com', suspend: false },
];

/** A document client that counts the queries it sends, by index. */
const counting = (client: DynamoDBDocumentClient) => {
  const indexes: string[] = [];
  const wrapped = {
    send: (command: unknown) => {
      if (command instanceof QueryCommand) indexes.push(command.input.IndexName ?? '');
      return client.send(command as QueryCommand);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client: wrapped, indexes };
};

const ids = (page: CustomerViewPage) => page.items.map((v) => v.customerId);

/** What every table on either layout must answer. */
const answers = async (reader: DynamoDBCustomerViewReader) => {
  const first = await reader.listByStatus('ACTIVE', { limit: 2 });
  const rest = await reader.listByStatus('ACTIVE', { limit: 10, cursor: first.nextCursor });
  return {
    active: [...ids(first), ...ids(rest)],
    suspended: ids(await reader.listByStatus('SUSPENDED', { limit: 10 })),
    prefix: ids(await reader.searchByEmailPrefix('ann', { limit: 10 })),
    exact: ids(await reader.findByEmail('ann@example.com', { limit: 10 })),
  };
};

const expected = {
  active: ['up-ann', 'up-cy', 'up-dee', 'up-eve'],
  suspended: ['up-bob'],
  prefix: ['up-ann', 'up-dee'],
  exact: ['up-ann'],
};

beforeAll(async () => {
  tables = await createTestTables();
  dataDir = mkdtempSync(join(tmpdir(), 'views-upgrade-'));
  await createTableIfMissing(tables.client, blue, customerViewsTableLayout1);
  const commands = new CustomerCommandService({ store: tables.events });
  for (const { id, email, suspend } of people) {
    await commands.execute(
      { type: 'RegisterCustomer', data: { customerId: id, email, name: id } },
      { correlationId: `c-${id}` },
    );
    if (suspend) {
      await commands.execute(
        { type: 'SuspendCustomer', data: { customerId: id, reasonCode: 'FRAUD' } },
        { correlationId: `s-${id}` },
      );
    }
    // The view exactly as the first deployment's projector stored it.
    const view = applyEnvelopes(
      customerViewProjection,
      undefined,
      await tables.events.readStream(id),
    ) as CustomerView;
    await tables.documentClient.send(
      new PutCommand({ TableName: blue, Item: unshardedViewItem(view) }),
    );
  }
});

afterAll(async () => {
  for (const TableName of [blue, green]) {
    await tables.client.send(new DeleteTableCommand({ TableName })).catch(() => {});
  }
  await tables.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the read model moving from layout 1 to layout 2', () => {
  it('answers from a table of the first deployment, and audits it clean', async () => {
    const { client, indexes } = counting(tables.documentClient);
    const reader = new DynamoDBCustomerViewReader({ client, tableName: blue });
    expect(await answers(reader)).toEqual(expected);
    expect(indexes.filter((i) => i.startsWith('byStatusShard'))).toHaveLength(32);
    // After the first answer it knows the layout: only layout-1 indexes from then on.
    expect(new Set(indexes.slice(32))).toEqual(new Set(['byStatus', 'byEmail']));
    const report = await auditViews({
      catalog: tables.events,
      streams: customerStreams(tables.events, tables.views, {
        audit: new DynamoDBCustomerViewAuditSource({
          client: tables.documentClient,
          tableName: blue,
        }),
      }),
    });
    expect(report.counts).toMatchObject({ ok: people.length, different: 0 });
    expect(report.clean).toBe(true);
  });

  it('keeps a table of the first deployment on its layout when local tables are made', async () => {
    expect(await createTableIfMissing(tables.client, blue, customerViewsTable)).toBe(false);
    const { Table } = await tables.client.send(new DescribeTableCommand({ TableName: blue }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual([
      'byEmail',
      'byStatus',
    ]);
  });

  it('rebuilds into a fresh table on layout 2 that answers the same from the new indexes', async () => {
    const out: string[] = [];
    const io: CliIo = { out: (line) => out.push(line), err: (line) => out.push(line) };
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
      AWS_REGION: 'us-east-1',
      COMMAND_TABLE: tables.eventStoreTableName,
      QUERY_TABLE: blue,
      DATA_DIR: dataDir,
    };
    expect(await runRebuildCli(['--into', green], env, io, { progress: false })).toBe(0);
    expect(out.join('\n')).toContain(`created ${green}`);
    const { Table } = await tables.client.send(new DescribeTableCommand({ TableName: green }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(
      customerViewsTable.globalSecondaryIndexes.map((i) => i.indexName).sort(),
    );

    const { client, indexes } = counting(tables.documentClient);
    const reader = new DynamoDBCustomerViewReader({ client, tableName: green });
    expect(await answers(reader)).toEqual(expected);
    expect(new Set(indexes)).toEqual(new Set(['byStatusShard', 'byEmailShard']));
    expect(ids(await reader.listByEmailDomain('gmail.com', { limit: 10 }))).toEqual([
      'up-cy',
      'up-eve',
    ]);
    const report = await auditViews({
      catalog: tables.events,
      streams: customerStreams(tables.events, tables.views, {
        audit: new DynamoDBCustomerViewAuditSource({
          client: tables.documentClient,
          tableName: green,
        }),
      }),
    });
    expect(report.clean).toBe(true);
  });
});
