import { randomUUID } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { customerViewsTable, eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { customerModule } from '../src/app/customer/module.js';
import { priceOf, priceTable } from '../src/capacity/aws-tables.js';
import {
  type Billing,
  billingLabel,
  billingOf,
  CAPACITY_MODES,
  dynamodbUnitsUsd,
} from '../src/capacity/dynamodb-cost.js';
import { EmailPopulation, seededRandom } from '../src/capacity/email-population.js';
import { Service } from '../src/composition/service.js';
import { readConfig } from '../src/config.js';
import { silentLogger } from '../src/core/ports.js';
import { startKmsStandIn } from '../src/local/kms/kms-standin.js';
import type { BenchDynamoDB } from './bench-dynamodb.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';

/**
 * Cost per million commands of the command path, from the calls this run counts (the
 * DynamoDB call counter's billed units, the KMS stand-in's requests) times the capacity
 * planner's dated price table, before and after a change, in one run:
 *
 * - plaintext email claims checked (`LEGACY_EMAIL_CLAIMS=check`: an upgraded stack) against
 *   hashed claims only (a fresh stack, or one `encrypt-legacy` has marked);
 * - DynamoDB billed on demand against provisioned capacity at the stack's target utilisation.
 *
 * Commands come at the goal's mix (80% email changes, 15% registrations, 5% suspensions),
 * each with an idempotency key, each on a customer of its own with cold caches, as among 10
 * million customers. The event store's index writes and the pipeline (publisher, projector,
 * bus, queue) are not in it: `npm run capacity` replays those.
 */
export type CostVariant = 'plaintext-claims-checked' | 'hashed-claims-only';
const VARIANTS: CostVariant[] = ['plaintext-claims-checked', 'hashed-claims-only'];
const BILLINGS: Billing[] = CAPACITY_MODES.map((mode) => billingOf(mode));

export interface CostRow {
  variant: CostVariant;
  commands: number;
  writeUnitsPerCommand: number;
  readUnitsPerCommand: number;
  kmsCallsPerCommand: number;
  /** One per DynamoDB billing, in `CostResults.billings`' order. */
  usdPerMillion: { dynamodbWrites: number; dynamodbReads: number; kms: number; total: number }[];
}

export interface CostResults {
  prices: { region: string; retrieved: string };
  billings: Billing[];
  rows: CostRow[];
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

const runVariant = async (
  db: BenchDynamoDB,
  variant: CostVariant,
  commands: number,
  kms: { client: KMSClient; aliasName: string; requests: () => number },
): Promise<CostRow> => {
  const run = randomUUID().slice(0, 8);
  const tables = { events: `cost-${run}-events`, views: `cost-${run}-views` };
  await db.createTable(tables.events, eventStoreTable);
  await db.createTable(tables.views, customerViewsTable);
  const service = new Service({
    config: readConfig({
      COMMAND_TABLE: tables.events,
      QUERY_TABLE: tables.views,
      KMS_KEY_ID: kms.aliasName,
      LEGACY_EMAIL_CLAIMS: variant === 'plaintext-claims-checked' ? 'check' : 'off',
      AGGREGATE_CACHE_SIZE: '0',
    }),
    clients: { dynamodb: db.newDocumentClient(), kms: kms.client },
    logger: silentLogger,
  });
  const people = new EmailPopulation(7);
  const random = seededRandom(7);
  const execute = (input: unknown) =>
    service
      .aggregate(customerModule)
      .commands.execute(input, { correlationId: randomUUID(), commandId: randomUUID() });
  const register = (customerId: string) =>
    execute({ type: 'RegisterCustomer', data: { customerId, ...people.next() } });
  // The customers the email changes and suspensions go to, one each, registered uncounted.
  const existing = Array.from({ length: commands }, () => randomUUID());
  for (const customerId of existing) await register(customerId);
  await service.crypto?.hasher.hash('warm-up@bench.example');

  const scope = `cost-${run}`;
  const kmsBefore = kms.requests();
  for (const customerId of existing) {
    const draw = random();
    service.crypto?.cache.clear();
    await db.counter.run(scope, () =>
      draw < 0.8
        ? execute({ type: 'UpdateEmail', data: { customerId, newEmail: people.next().email } })
        : draw < 0.95
          ? register(randomUUID())
          : execute({
              type: 'SuspendCustomer',
              data: { customerId, reasonCode: 'CUSTOMER_REQUEST' },
            }),
    );
  }
  await service.aggregate(customerModule).commands.drain();
  const kmsCalls = kms.requests() - kmsBefore;
  const tally = db.counter.snapshot(scope);
  const per = (n: number) => n / Math.max(tally.operations, 1);
  const writeUnits = per(tally.writeUnits);
  const readUnits = per(tally.readUnits);
  const kmsPerCommand = per(kmsCalls);
  const kmsUsd = priceOf('kms.request', kmsPerCommand * 1e6);
  await db.deleteTable(tables.events);
  await db.deleteTable(tables.views);
  return {
    variant,
    commands: tally.operations,
    writeUnitsPerCommand: round(writeUnits),
    readUnitsPerCommand: round(readUnits),
    kmsCallsPerCommand: round(kmsPerCommand),
    usdPerMillion: BILLINGS.map((billing) => {
      const writes = dynamodbUnitsUsd(billing, 'write', writeUnits * 1e6);
      const reads = dynamodbUnitsUsd(billing, 'read', readUnits * 1e6);
      return {
        dynamodbWrites: round(writes, 2),
        dynamodbReads: round(reads, 2),
        kms: round(kmsUsd, 2),
        total: round(writes + reads + kmsUsd, 2),
      };
    }),
  };
};

export const runCost = async (
  db: BenchDynamoDB,
  options: BenchOptions,
  progress: Progress,
): Promise<CostResults> => {
  const standIn = await startKmsStandIn({ port: 0 });
  const client = new KMSClient(standIn.clientConfig);
  try {
    const rows: CostRow[] = [];
    for (const variant of VARIANTS) {
      progress.log(`cost: ${variant}, ${options.customers} commands`);
      rows.push(
        await runVariant(db, variant, options.customers, {
          client,
          aliasName: standIn.aliasName,
          requests: () => standIn.stats().requests,
        }),
      );
    }
    return {
      prices: { region: priceTable.region, retrieved: priceTable.retrieved },
      billings: BILLINGS,
      rows,
    };
  } finally {
    client.destroy();
    await standIn.stop();
  }
};

export const renderCost = (results: CostResults): string =>
  [
    '## Cost per million commands (command path, counted in this run)',
    '',
    `Goal's mix, an idempotency key on each, every command on a customer of its own with cold caches. Prices: ${results.prices.region}, ${results.prices.retrieved} (src/capacity/data/aws-prices.json); DynamoDB ${results.billings.map(billingLabel).join(', and ')}. Index writes and the pipeline: \`npm run capacity\`.`,
    '',
    '| variant | DynamoDB billed | commands | WRU/command | RRU/command | KMS/command | DynamoDB writes | DynamoDB reads | KMS | total USD |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.rows.flatMap((r) =>
      results.billings.map((billing, i) => {
        const usd = r.usdPerMillion[i];
        return `| ${r.variant} | ${billingLabel(billing)} | ${r.commands} | ${r.writeUnitsPerCommand} | ${r.readUnitsPerCommand} | ${r.kmsCallsPerCommand} | ${usd?.dynamodbWrites} | ${usd?.dynamodbReads} | ${usd?.kms} | ${usd?.total} |`;
      }),
    ),
    '',
  ].join('\n');
