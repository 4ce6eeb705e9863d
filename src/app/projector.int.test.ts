import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectedView,
  historyArbitrary,
  messageBody,
  runHistories,
} from '../../test/support/customer-histories.js';
import { customerStreams } from '../../test/support/customer-stream-types.js';
import { createTestTables, type TestTables } from '../../test/support/dynamodb.js';
import { deliverShuffled } from '../../test/support/projection-scenario.js';
import { sqsEvent, sqsRecord } from '../../test/support/sqs-messages.js';
import type { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import type { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { createProjectorHandler } from './projector.js';

let tables: TestTables;
let events: DynamoDBEventStore;
let views: DynamoDBCustomerViewStore;

beforeAll(async () => {
  tables = await createTestTables();
  ({ events, views } = tables);
});
afterAll(() => tables.dispose());

const projector = () => createProjectorHandler({ streams: customerStreams(events, views) });

describe('projector on DynamoDB', () => {
  it('converges 200 customers to the fold of their streams under duplicates, shuffling and loss', async () => {
    const [histories, seed] = fc.sample(
      fc.tuple(fc.array(historyArbitrary, { minLength: 200, maxLength: 200 }), fc.integer()),
      1,
    )[0] ?? [[], 0];
    const ids = await runHistories(events, histories, 'many');
    const streams = await Promise.all(ids.map((id) => events.readStream(id)));
    const delivery = await deliverShuffled({
      handlers: [projector(), projector(), projector()],
      streams,
      seed,
      inFlight: 6,
    });
    expect(delivery.failures).toEqual([]);
    for (const id of ids) expect(await views.get(id)).toEqual(await expectedView(events, id));
  }, 180_000);

  it('two instances racing on one aggregate converge to the same view', async () => {
    const [id = ''] = await runHistories(
      events,
      [['suspend', 'reactivate', 'email', 'suspend', 'email', 'reactivate', 'email']],
      'race',
    );
    const stream = await events.readStream(id);
    expect(stream).toHaveLength(7); // the email change while suspended is refused
    const bodies = stream.map((e) => messageBody(e));
    const a = projector();
    const b = projector();
    const results = await Promise.all([
      ...bodies.map((body) => a(sqsEvent([sqsRecord(body)]))),
      ...[...bodies].reverse().map((body) => b(sqsEvent([sqsRecord(body)]))),
    ]);
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await views.get(id)).toEqual(await expectedView(events, id));
    expect((await views.get(id))?.version).toBe(7);
  });

  it('reports poison messages alone and applies the rest of their batch', async () => {
    const ids = await runHistories(events, [['email'], ['suspend']], 'poison');
    const good = (await Promise.all(ids.map((id) => events.readStream(id))))
      .flat()
      .map((e) => sqsRecord(messageBody(e)));
    const malformed = sqsRecord(JSON.stringify({ source: 'x', detail: { version: 'one' } }));
    const unreadable = sqsRecord(
      messageBody({
        eventId: 'ghost-3',
        aggregateType: 'Customer',
        aggregateId: 'ghost',
        eventType: 'CustomerSuspended',
        payload: { reason: 'r' },
        timestamp: '2024-01-01T00:00:00.000Z',
        version: 3,
        metadata: { correlationId: 'c', schemaVersion: 1 },
      }),
    );
    const response = await projector()(sqsEvent([malformed, ...good, unreadable]));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [malformed.messageId, unreadable.messageId].sort(),
    );
    for (const id of ids) expect(await views.get(id)).toEqual(await expectedView(events, id));
    expect(await views.get('ghost')).toBeUndefined();
  });
});
