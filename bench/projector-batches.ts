import { isDeepStrictEqual } from 'node:util';
import { customerViewsTable, eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import type { CustomerViewRecord } from '../src/app/customer/customer-view.js';
import { customerModule } from '../src/app/customer/module.js';
import { Service } from '../src/composition/service.js';
import { readConfig } from '../src/config.js';
import type { EventEnvelope } from '../src/core/event.js';
import { silentLogger } from '../src/core/ports.js';
import type { ViewStore } from '../src/core/view-store.js';
import { expectedView, messageBody } from '../test/support/customer-histories.js';
import { sqsEvent, sqsRecord } from '../test/support/sqs-messages.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import { createCarriedEnvelopeProjector } from './carried-envelope-projector.js';
import { round } from './stats.js';

export interface ProjectorBatchCase {
  name: string;
  events: number;
  calls: Record<string, number>;
  callsPerEvent: number;
  /** Event-store reads (`Query`) per projected event. */
  storeReadsPerEvent: number;
  /** At most this many store reads per projected event. */
  target: number;
  failures: number;
}

/** One projector path on one arrival pattern, over many batches. */
export interface ProjectorPathRow {
  arrival: 'together' | 'spread';
  path: 'carried envelopes (before)' | 'store reads (after)';
  events: number;
  batches: number;
  storeReadsPerEvent: number;
  callsPerEvent: number;
  /** Events projected per second of time spent in the projector (one worker). */
  eventsPerSecond: number;
  /** Views equal to the fold of their stream at the end. */
  viewsCorrect: number;
  customers: number;
}

export interface ProjectorBatchResult {
  cases: ProjectorBatchCase[];
  /** Before (the carried envelopes applied, the baseline) and after, in the same run. */
  paths: ProjectorPathRow[];
  settings: { customers: number; eventsPerCustomer: number };
}

/**
 * DynamoDB calls of the service's own projector (the composition root's, on a counted
 * client) for the batch shapes the issue names: 10 notifications for 10 customers, 10 for
 * one customer, and 10 thin ones for one customer. Then the projector before and after a
 * message became only a notification, on the same streams in the same run: notifications
 * for one customer arriving together (a batch of 10 per customer) and spread out (each
 * batch holds the next event of 10 customers, written just before).
 */
export const runProjectorBatches = async (
  db: BenchDynamoDB,
  settings: { customers: number } = { customers: 50 },
): Promise<ProjectorBatchResult> => {
  const events = 'pb-events';
  const views = 'pb-views';
  await db.createTable(events, eventStoreTable);
  await db.createTable(views, customerViewsTable);
  const service = new Service({
    config: readConfig({ COMMAND_TABLE: events, QUERY_TABLE: views }),
    clients: { dynamodb: db.documentClient },
    logger: silentLogger,
  });
  const write = async (id: string, changes: number) => {
    await service.aggregate(customerModule).commands.execute(
      {
        type: 'RegisterCustomer',
        data: { customerId: id, email: `${id}@pb.example`, name: 'P' },
      },
      { correlationId: 'pb' },
    );
    for (let k = 1; k <= changes; k++) {
      await service
        .aggregate(customerModule)
        .commands.execute(
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
      storeReadsPerEvent: round((tally.calls.Query ?? 0) / envelopes.length, 3),
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
  await measure('10 notifications, one customer', 1.2, shuffled, false);
  const thinOne = await write('pb-thin', 9);
  await measure('10 thin notifications, one customer', 1.2, thinOne, true);
  await service.settle();
  const paths = await comparePaths(db, service, write, settings.customers);
  return { cases, paths, settings: { customers: settings.customers, eventsPerCustomer: 10 } };
};

type Write = (id: string, changes: number) => Promise<EventEnvelope[]>;

/** Both projector paths over the same notifications, each into a read model of its own. */
const comparePaths = async (
  db: BenchDynamoDB,
  service: Service,
  write: Write,
  customers: number,
): Promise<ProjectorPathRow[]> => {
  const perCustomer = 10;
  const paths = {
    'carried envelopes (before)': 'pb-views-before',
    'store reads (after)': 'pb-views-after',
  } as const;
  const projectors = await Promise.all(
    Object.entries(paths).map(async ([path, table]) => {
      await db.createTable(table, customerViewsTable);
      const scoped = new Service({
        config: { ...service.config, QUERY_TABLE: table },
        clients: { dynamodb: db.documentClient },
        logger: silentLogger,
      });
      const views = scoped.aggregate('Customer').views() as ViewStore<CustomerViewRecord>;
      const handler =
        path === 'store reads (after)'
          ? scoped.projector
          : createCarriedEnvelopeProjector({ events: scoped.eventStore, views });
      return { path: path as ProjectorPathRow['path'], handler, views };
    }),
  );
  const rows: ProjectorPathRow[] = [];
  for (const arrival of ['together', 'spread'] as const) {
    const ids = Array.from({ length: customers }, (_, n) => `pb-${arrival}-${n}`);
    const spent = new Map(projectors.map((p) => [p.path, { ms: 0, batches: 0 }]));
    /** One batch through both paths, the order alternating, timing only the projector. */
    const deliver = async (envelopes: EventEnvelope[], turn: number) => {
      const batch = sqsEvent(envelopes.map((e) => sqsRecord(messageBody(e))));
      const order = turn % 2 === 0 ? projectors : [...projectors].reverse();
      for (const { path, handler } of order) {
        const started = performance.now();
        const response = await db.counter.run(`${arrival} ${path}`, () => handler(batch));
        const tally = spent.get(path) as { ms: number; batches: number };
        tally.ms += performance.now() - started;
        tally.batches += 1;
        if (response.batchItemFailures.length > 0) throw new Error(`${path} failed a batch`);
      }
    };
    if (arrival === 'together') {
      let turn = 0;
      for (const id of ids) {
        const stream = await write(id, perCustomer - 1);
        // Delivery order is not guaranteed: the batch arrives shuffled.
        await deliver(
          [7, 2, 9, 0, 4, 1, 8, 3, 6, 5].map((i) => stream[i] as EventEnvelope),
          turn++,
        );
      }
    } else {
      // Version k of every customer is written, then notified in batches of 10 customers.
      let turn = 0;
      for (let version = 1; version <= perCustomer; version++) {
        const written = await Promise.all(
          ids.map(async (id) => {
            if (version === 1) return (await write(id, 0))[0] as EventEnvelope;
            await service.aggregate(customerModule).commands.execute(
              {
                type: 'UpdateEmail',
                data: { customerId: id, newEmail: `${id}-${version}@pb.example` },
              },
              { correlationId: 'pb' },
            );
            return (
              await service.eventStore.readStream(id, { fromVersion: version })
            )[0] as EventEnvelope;
          }),
        );
        for (let i = 0; i < written.length; i += 10)
          await deliver(written.slice(i, i + 10), turn++);
      }
    }
    for (const { path, views } of projectors) {
      const tally = db.counter.snapshot(`${arrival} ${path}`);
      const calls = Object.values(tally.calls).reduce((a, b) => a + b, 0);
      const events = customers * perCustomer;
      const { ms, batches } = spent.get(path) as { ms: number; batches: number };
      let viewsCorrect = 0;
      for (const id of ids) {
        const fold = await expectedView(service.eventStore, id);
        if (isDeepStrictEqual(await views.get(id), fold)) viewsCorrect++;
      }
      rows.push({
        arrival,
        path,
        events,
        batches,
        storeReadsPerEvent: round((tally.calls.Query ?? 0) / events, 3),
        callsPerEvent: round(calls / events, 3),
        eventsPerSecond: round(events / (ms / 1000), 1),
        viewsCorrect,
        customers,
      });
    }
  }
  await service.settle();
  return rows;
};

export const renderProjectorBatches = (result: ProjectorBatchResult): string => {
  const after = (arrival: ProjectorPathRow['arrival']) =>
    result.paths.find((r) => r.arrival === arrival && r.path === 'store reads (after)');
  const before = (arrival: ProjectorPathRow['arrival']) =>
    result.paths.find((r) => r.arrival === arrival && r.path === 'carried envelopes (before)');
  return [
    '#### Projector batches (DynamoDB calls of one SQS batch)',
    '',
    '| batch | events | calls | calls per event | store reads per event | target | failures |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...result.cases.map(
      (c) =>
        `| ${c.name} | ${c.events} | ${Object.entries(c.calls)
          .map(([op, n]) => `${op} ${n}`)
          .join(
            ', ',
          )} | ${c.callsPerEvent} | ${c.storeReadsPerEvent} | ≤ ${c.target} | ${c.failures} |`,
    ),
    '',
    `#### Projector before and after (a message is only a notification): ${result.settings.customers} customers × ${result.settings.eventsPerCustomer} events, one worker`,
    '',
    '| arrival | path | events | batches | store reads per event | DynamoDB calls per event | events/s | after ÷ before events/s | views equal to the fold |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.paths.map((r) => {
      const base = before(r.arrival);
      const ratio =
        r.path === 'store reads (after)' && base && after(r.arrival)
          ? String(round(r.eventsPerSecond / base.eventsPerSecond, 2))
          : '1 (baseline)';
      return `| ${r.arrival} | ${r.path} | ${r.events} | ${r.batches} | ${r.storeReadsPerEvent} | ${r.callsPerEvent} | ${r.eventsPerSecond} | ${ratio} | ${r.viewsCorrect}/${r.customers} |`;
    }),
  ].join('\n');
};
