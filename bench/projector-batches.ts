import { customerViewsTable, eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { CustomerService } from '../src/composition/customer-service.js';
import { readConfig } from '../src/config.js';
import type { EventEnvelope } from '../src/core/event.js';
import { silentLogger } from '../src/core/ports.js';
import { messageBody } from '../test/support/customer-histories.js';
import { sqsEvent, sqsRecord } from '../test/support/sqs-messages.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import { round } from './stats.js';

export interface ProjectorBatchCase {
  name: string;
  events: number;
  calls: Record<string, number>;
  callsPerEvent: number;
  target: number;
  failures: number;
}

export interface ProjectorBatchResult {
  cases: ProjectorBatchCase[];
}

/**
 * DynamoDB calls of the service's own projector (the composition root's, on a counted
 * client) for the batch shapes the issue names: 10 notifications for 10 customers, 10 for
 * one customer, and 10 thin ones for one customer (the events must be read).
 */
export const runProjectorBatches = async (db: BenchDynamoDB): Promise<ProjectorBatchResult> => {
  const events = 'pb-events';
  const views = 'pb-views';
  await db.createTable(events, eventStoreTable);
  await db.createTable(views, customerViewsTable);
  const service = new CustomerService({
    config: readConfig({ COMMAND_TABLE: events, QUERY_TABLE: views }),
    clients: { dynamodb: db.documentClient },
    logger: silentLogger,
  });
  const write = async (id: string, changes: number) => {
    await service.commands.execute(
      { type: 'RegisterCustomer', data: { customerId: id, email: `${id}@pb.example`, name: 'P' } },
      { correlationId: 'pb' },
    );
    for (let k = 1; k <= changes; k++) {
      await service.commands.execute(
        { type: 'UpdateEmail', data: { customerId: id, newEmail: `${id}-${k}@pb.example` } },
        { correlationId: 'pb' },
      );
    }
    return service.eventStore.readStream(id);
  };

  const cases: ProjectorBatchCase[] = [];
  const measure = async (
    name: string,
    target: number,
    envelopes: EventEnvelope[],
    thin: boolean,
  ) => {
    const batch = sqsEvent(envelopes.map((e) => sqsRecord(messageBody(e, thin))));
    const response = await db.counter.run(name, () => service.projector(batch));
    const tally = db.counter.snapshot(name);
    const total = Object.values(tally.calls).reduce((a, b) => a + b, 0);
    cases.push({
      name,
      events: envelopes.length,
      calls: tally.calls,
      callsPerEvent: round(total / envelopes.length, 3),
      target,
      failures: response.batchItemFailures.length,
    });
  };

  const many = await Promise.all(Array.from({ length: 10 }, (_, n) => write(`pb-many-${n}`, 0)));
  await measure(
    '10 notifications, 10 customers',
    1.2,
    many.map((stream) => stream[0] as EventEnvelope),
    false,
  );
  const one = await write('pb-one', 9);
  // Delivery order is not guaranteed: the batch arrives shuffled.
  const shuffled = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5].map((i) => one[i] as EventEnvelope);
  await measure('10 notifications, one customer', 0.3, shuffled, false);
  const thinOne = await write('pb-thin', 9);
  await measure('10 thin notifications, one customer', 0.3, thinOne, true);
  await service.settle();
  return { cases };
};

export const renderProjectorBatches = (result: ProjectorBatchResult): string =>
  [
    '#### Projector batches (DynamoDB calls of one SQS batch)',
    '',
    '| batch | events | calls | calls per event | target | failures |',
    '| --- | --- | --- | --- | --- | --- |',
    ...result.cases.map(
      (c) =>
        `| ${c.name} | ${c.events} | ${Object.entries(c.calls)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')} | ${c.callsPerEvent} | ≤ ${c.target} | ${c.failures} |`,
    ),
  ].join('\n');
