import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encryptLegacyStreams,
  type LegacyStreamType,
} from '../../src/adapters/crypto/legacy-encryption.js';
import { PersonalDataErasure } from '../../src/adapters/crypto/personal-data-erasure.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { DynamoDBStreamEraser } from '../../src/adapters/dynamodb/dynamodb-stream-eraser.js';
import type { Service } from '../../src/composition/service.js';
import { encodingStoreFor, type ServiceCrypto } from '../../src/composition/service-crypto.js';
import type { EventEnvelope } from '../../src/core/event.js';
import type { PersonalDataDeclaration } from '../../src/core/personal-data.js';
import { customerPersonalData } from '../../src/domain/customer/personal-data.js';
import type { TestTables } from '../support/dynamodb.js';
import { legacyEventItem } from '../support/legacy-events.js';
import { type EncryptedService, startEncryptedService } from './encrypted-service.js';

/**
 * Streams of several types in one table: each type's personal data under its own subjects'
 * keys (`<type>#<id>`, a Customer's under the bare id as before), a type without personal
 * data left in plaintext, a type nothing registers reported.
 */
let started: EncryptedService;
let tables: TestTables;
let service: Service;
let crypto: ServiceCrypto;

const orderData: PersonalDataDeclaration = {
  fields: ['address'],
  erasureEventTypes: ['OrderErased'],
};

/** One stream type of the table, as a module's composition would build it. */
const streamType = (type: string, streamPrefix: string, personalData?: PersonalDataDeclaration) => {
  const client = tables.documentClient;
  const tableName = tables.eventStoreTableName;
  const stored = new DynamoDBEventStore({ client, tableName, streamPrefix, aggregateType: type });
  const decoded = encodingStoreFor(
    { type, ...(personalData ? { personalData } : {}) },
    stored,
    crypto,
  );
  const eraser = new DynamoDBStreamEraser({ client, tableName, streamPrefix });
  return { type, stored, decoded, eraser, ...(personalData ? { personalData } : {}) };
};

const envelope = (
  aggregateType: string,
  aggregateId: string,
  version: number,
  eventType: string,
  payload: unknown,
): EventEnvelope => ({
  eventId: randomUUID(),
  aggregateType,
  aggregateId,
  eventType,
  payload,
  timestamp: '2026-12-01T00:00:00.000Z',
  version,
  metadata: { correlationId: 'typed-subjects', schemaVersion: 1 },
});

const keyItem = async (subjectId: string) =>
  (
    await tables.documentClient.send(
      new GetCommand({
        TableName: tables.eventStoreTableName,
        Key: { PK: `KEY#${subjectId}`, SK: 'KEY' },
        ConsistentRead: true,
      }),
    )
  ).Item;

const tableText = async () => {
  const { Items = [] } = await tables.documentClient.send(
    new ScanCommand({ TableName: tables.eventStoreTableName }),
  );
  return JSON.stringify(Items);
};

beforeAll(async () => {
  started = await startEncryptedService();
  ({ tables, service } = started);
  crypto = service.crypto as ServiceCrypto;
});
afterAll(async () => {
  await started?.stop();
});

describe('personal data of streams of several types', () => {
  const tag = randomUUID().slice(0, 8);
  const id = `same-${tag}`;
  const address = `1 Analytical Row ${tag}`;
  const email = `ada.${tag}@legacy.example`;

  it('encrypt-legacy encodes each type with its declaration, leaves the rest, and names the unregistered', async () => {
    const orders = streamType('Order', 'ORDER', orderData);
    const loyalty = streamType('LoyaltyAccount', 'LOYALTY');
    // Written before encryption: a customer, an order of the same id, a loyalty account.
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.eventStoreTableName,
        Item: legacyEventItem(id, 1, 'CustomerRegistered', { email, name: `Ada ${tag}` }),
      }),
    );
    const placed = envelope('Order', id, 1, 'OrderPlaced', { address, total: 12 });
    await orders.stored.append(id, [placed], { expectedVersion: 0 });
    const opened = envelope('LoyaltyAccount', id, 1, 'AccountOpened', { address, points: 5 });
    await loyalty.stored.append(id, [opened], { expectedVersion: 0 });
    // A type nothing registers, with a type attribute the catalog reads.
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.eventStoreTableName,
        Item: {
          ...legacyEventItem(id, 1, 'GadgetMade', {}),
          PK: `GADGET#${id}`,
          aggregateType: 'Gadget',
        },
      }),
    );

    const types = new Map<string, LegacyStreamType>([
      [
        'Customer',
        {
          personalData: customerPersonalData,
          stored: service.storedEvents,
          decoded: service.eventStore,
          eraser: service.streamEraser,
        },
      ],
      ['Order', orders],
      ['LoyaltyAccount', loyalty],
    ]);
    const catalog = new DynamoDBEventStore({
      client: tables.documentClient,
      tableName: tables.eventStoreTableName,
      streamTypes: { CUSTOMER: 'Customer', ORDER: 'Order', LOYALTY: 'LoyaltyAccount' },
    });
    const report = await encryptLegacyStreams({
      catalog,
      types,
      keys: crypto.keys,
      claims: crypto.claims,
    });

    expect(report).toMatchObject({
      streams: 4,
      encrypted: 2,
      withoutPersonalData: 1,
      unregistered: 1,
      unregisteredTypes: { Gadget: 1 },
      failed: 0,
    });
    // The customer's key under the bare id, as keys were always stored; the order's by type.
    expect(await keyItem(id)).toBeDefined();
    expect(await keyItem(`Order#${id}`)).toBeDefined();
    expect(await keyItem(`LoyaltyAccount#${id}`)).toBeUndefined();
    // Stored: the order's address is ciphertext, the loyalty account's is left as written.
    expect((await orders.stored.readStream(id))[0]?.payload).toMatchObject({
      address: { $enc: expect.any(String) },
      total: 12,
    });
    expect(await loyalty.stored.readStream(id)).toEqual([opened]);
    expect(await tableText()).not.toContain(email);
    // Read back through each type's encoding store, exactly as written.
    expect(await orders.decoded.readStream(id)).toEqual([placed]);
    expect((await service.eventStore.readStream(id))[0]?.payload).toEqual({
      email,
      name: `Ada ${tag}`,
    });
  });

  it("erasing an order deletes the order's key only, never the customer's of the same id", async () => {
    const orders = streamType('Order', 'ORDER', orderData);
    const erasure = new PersonalDataErasure({
      aggregateType: 'Order',
      personalData: orderData,
      keys: crypto.keys,
      eraser: orders.eraser,
      commands: orders.stored,
    });
    const report = await erasure.erase(id);
    expect(report.keyDeleted).toBe(true);
    expect(await keyItem(`Order#${id}`)).toBeUndefined();
    expect(await keyItem(id)).toBeDefined();
    expect((await orders.decoded.readStream(id))[0]?.payload).toEqual({
      address: '[forgotten]',
      total: 12,
    });
    expect((await service.eventStore.readStream(id))[0]?.payload).toMatchObject({ email });
  });

  it("a module's encoding store encrypts only what it declares, and makes no key without it", async () => {
    const orders = streamType('Order', 'ORDER', orderData);
    const loyalty = streamType('LoyaltyAccount', 'LOYALTY');
    const other = `new-${tag}`;
    const placed = envelope('Order', other, 1, 'OrderPlaced', { address, total: 3 });
    const opened = envelope('LoyaltyAccount', other, 1, 'AccountOpened', { address, points: 1 });
    await orders.decoded.append(other, [placed], { expectedVersion: 0 });
    await loyalty.decoded.append(other, [opened], { expectedVersion: 0 });

    expect((await orders.stored.readStream(other))[0]?.payload).toMatchObject({
      address: { $enc: expect.any(String) },
    });
    expect(await keyItem(`Order#${other}`)).toBeDefined();
    expect(await orders.decoded.readStream(other)).toEqual([placed]);
    expect(await loyalty.stored.readStream(other)).toEqual([opened]);
    expect(await keyItem(`LoyaltyAccount#${other}`)).toBeUndefined();
    expect(await keyItem(other)).toBeUndefined();
  });
});
