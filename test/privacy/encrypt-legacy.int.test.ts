import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASHED_CLAIMS_ONLY_KEY } from '../../src/adapters/dynamodb/hashed-claims-marker.js';
import { customerModule } from '../../src/app/customer/module.js';
import type { Service } from '../../src/composition/service.js';
import { runEncryptLegacyCli } from '../../src/ops/encrypt-legacy-cli.js';
import type { TestTables } from '../support/dynamodb.js';
import { legacyEventItem } from '../support/legacy-events.js';
import { type EncryptedService, startEncryptedService } from './encrypted-service.js';

let started: EncryptedService;
let tables: TestTables;
let service: Service;

const put = (Item: Record<string, unknown>) =>
  tables.documentClient.send(new PutCommand({ TableName: tables.eventStoreTableName, Item }));

const claimOwner = async (pk: string) => {
  const { Item } = await tables.documentClient.send(
    new GetCommand({
      TableName: tables.eventStoreTableName,
      Key: { PK: pk, SK: 'UNIQUE' },
      ConsistentRead: true,
    }),
  );
  return Item?.owner as string | undefined;
};

const markerItem = async () =>
  (
    await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: HASHED_CLAIMS_ONLY_KEY,
        ConsistentRead: true,
      }),
    )
  ).Item;

const tableText = async () => {
  const { Items = [] } = await tables.documentClient.send(
    new ScanCommand({ TableName: tables.eventStoreTableName }),
  );
  return JSON.stringify(Items).toLowerCase();
};

/** The CLI aimed at these tables and this KMS, as an operator would aim it at AWS. */
const runCli = async () => {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const code = await runEncryptLegacyCli([], started.cliEnv, io, { progress: false });
  return { code, lines };
};

beforeAll(async () => {
  started = await startEncryptedService();
  ({ tables, service } = started);
});
afterAll(async () => {
  await started?.stop();
});

describe('npm run encrypt-legacy', () => {
  it('encrypts plaintext streams in place, replaces their claims, and resumes by running again', async () => {
    const tag = randomUUID().slice(0, 8);
    const id = `legacy-${tag}`;
    const email = `grace.${tag}@legacy.example`;
    const name = `Grace Hopper ${tag}`;
    const reason = `disputed invoice ${tag}`;
    await put(legacyEventItem(id, 1, 'CustomerRegistered', { email: `Old.${email}`, name }));
    await put(
      legacyEventItem(id, 2, 'CustomerEmailUpdated', { oldEmail: `Old.${email}`, newEmail: email }),
    );
    await put(legacyEventItem(id, 3, 'CustomerSuspended', { reason }));
    await put({ PK: `UNIQUE#email#${email}`, SK: 'UNIQUE', itemType: 'UNIQUE', owner: id });
    await put({
      PK: `CUSTOMER#${id}`,
      SK: 'SNAPSHOT',
      itemType: 'SNAPSHOT',
      aggregateId: id,
      version: 3,
      schemaVersion: 1,
      state: { status: 'SUSPENDED', email, name, suspensionReason: reason },
      takenAt: 't',
    });
    // A forgotten customer whose stream holds only markers: never given a key.
    const gone = `gone-${tag}`;
    await put(
      legacyEventItem(gone, 1, 'CustomerRegistered', { email: '[forgotten]', name: '[forgotten]' }),
    );
    await put(legacyEventItem(gone, 2, 'CustomerForgotten', {}));
    const historyBefore = await service.aggregate(customerModule).commands.history(id);

    const first = await runCli();
    expect(first.code).toBe(0);
    expect(first.lines.at(-1)).toMatch(
      /^2 streams: 1 encrypted \(3 events\), 0 already encrypted, 1 forgotten, 0 without personal data, 0 of unregistered types, 0 failed$/,
    );

    const text = await tableText();
    for (const secret of [email, name, reason]) expect(text).not.toContain(secret.toLowerCase());
    // Same events, same versions, readable through the service exactly as before.
    expect(await service.aggregate(customerModule).commands.history(id)).toEqual(historyBefore);
    expect(await claimOwner(`UNIQUE#email#${email}`)).toBeUndefined();
    const { Items = [] } = await tables.documentClient.send(
      new QueryCommand({
        TableName: tables.eventStoreTableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `KEY#${gone}` },
      }),
    );
    expect(Items).toEqual([]);

    // The hashed claim holds the email for its customer.
    const taken = await service
      .aggregate(customerModule)
      .commands.execute(
        { type: 'RegisterCustomer', data: { customerId: randomUUID(), email, name: 'X' } },
        { correlationId: 'c' },
      )
      .catch((e: unknown) => e);
    expect(taken).toMatchObject({ code: 'ALREADY_CLAIMED' });
    // Commands go on: the customer is reactivated on the encrypted stream.
    await service
      .aggregate(customerModule)
      .commands.execute(
        { type: 'ReactivateCustomer', data: { customerId: id } },
        { correlationId: 'c' },
      );

    const again = await runCli();
    expect(again.lines.at(-1)).toMatch(
      /^2 streams: 0 encrypted \(0 events\), 1 already encrypted, 1 forgotten, 0 without personal data, 0 of unregistered types, 0 failed$/,
    );
  });

  it('fails the run on streams of types no module is registered for, naming them', async () => {
    const id = `gadget-${randomUUID().slice(0, 8)}`;
    // One with the type attribute, one known only by a key prefix nothing registers.
    await put({
      ...legacyEventItem(id, 1, 'GadgetMade', {}),
      PK: `GADGET#${id}`,
      aggregateType: 'Gadget',
    });
    await put({ ...legacyEventItem(id, 1, 'WidgetMade', {}), PK: `WIDGET#${id}` });
    const markerBefore = await markerItem();

    const { code, lines } = await runCli();
    expect(code).toBe(1);
    expect(lines).toContain(
      '4 streams: 0 encrypted (0 events), 1 already encrypted, 1 forgotten, 0 without personal data, 2 of unregistered types, 0 failed',
    );
    expect(lines.at(-1)).toBe(
      '2 streams of types no module is registered for: ?WIDGET (1), Gadget (1)',
    );
    // Their streams may hold plaintext claims: this run does not mark the store hashed-only.
    expect(await markerItem()).toEqual(markerBefore);
  });
});
