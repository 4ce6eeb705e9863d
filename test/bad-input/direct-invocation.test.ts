import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryCustomerViewReader } from '../../src/adapters/memory/in-memory-customer-view-reader.js';
import { InMemoryEventStore } from '../../src/adapters/memory/in-memory-event-store.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { CustomerQueryService } from '../../src/app/customer/customer-queries.js';
import { runDirectQuery } from '../../src/app/customer/direct-queries.js';
import { runDirectCommand } from '../../src/app/direct-commands.js';
import {
  CountingEventStore,
  type ErrorBody,
  expectClearRefusal,
  extraKey,
  invalidEmail,
  nonObjectJson,
  RUNS,
  unicodeEdges,
  wrongType,
} from './bad-input.js';

let store: CountingEventStore;
let commands: CustomerCommandService;
let queries: CustomerQueryService;

beforeAll(async () => {
  store = new CountingEventStore(new InMemoryEventStore());
  commands = new CustomerCommandService({ store });
  queries = new CustomerQueryService({
    reader: new InMemoryCustomerViewReader(),
    minVersionWaitMs: 0,
  });
  await commands.execute(
    { type: 'RegisterCustomer', data: { customerId: 'known', email: 'k@example.com', name: 'K' } },
    { correlationId: 'seed' },
  );
});

/** Invokes like Lambda does and checks the answer is a clear 4xx with nothing written. */
const invokeCommand = async (event: unknown) => {
  const writes = store.writes;
  const answer = await runDirectCommand(commands, event, 'corr-1');
  const body = JSON.parse(answer.body) as ErrorBody;
  const context = `${JSON.stringify(event)?.slice(0, 300)} -> ${answer.statusCode} ${answer.body.slice(0, 300)}`;
  expectClearRefusal(answer.statusCode, body, context);
  expect(store.writes, `wrote on ${context}`).toBe(writes);
  return { status: answer.statusCode, fields: (body.error?.details ?? []).map((d) => d.field) };
};

const invokeQuery = async (event: unknown) => {
  const writes = store.writes;
  const answer = await runDirectQuery(queries, event, 'corr-2');
  const body = JSON.parse(answer.body) as ErrorBody;
  const context = `${JSON.stringify(event)?.slice(0, 300)} -> ${answer.statusCode} ${answer.body.slice(0, 300)}`;
  expectClearRefusal(answer.statusCode, body, context);
  expect(store.writes, `wrote on ${context}`).toBe(writes);
  return { status: answer.statusCode, fields: (body.error?.details ?? []).map((d) => d.field) };
};

const validCommands = [
  { commandType: 'RegisterCustomer', payload: { email: 'n@example.com', name: 'N' } },
  { commandType: 'UpdateEmail', payload: { customerId: 'known', newEmail: 'o@example.com' } },
  { commandType: 'SuspendCustomer', payload: { customerId: 'known', reasonCode: 'FRAUD' } },
  { commandType: 'ReactivateCustomer', payload: { customerId: 'known' } },
  { commandType: 'SuspendCustomer', payload: { customerId: 'known', reason: 'r' } },
] as const;

const validQueries = [
  { queryType: 'GetCustomerById', customerId: 'known' },
  { queryType: 'GetActiveCustomers', limit: 10 },
  { queryType: 'SearchCustomersByEmail', email: 'k' },
] as const;

describe('runDirectCommand with bad invocations', () => {
  it('refuses an event that is not an invocation object', async () => {
    await fc.assert(
      fc.asyncProperty(nonObjectJson, async (event) => {
        const { status, fields } = await invokeCommand(event);
        expect(status).toBe(400);
        expect(fields).toEqual(['(body)']);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses an unknown commandType, a bad payload type or an extra field, naming it', async () => {
    const bad = fc.oneof(
      fc
        .oneof(fc.string(), wrongType, fc.constantFrom('registerCustomer', 'DeleteCustomer', ''))
        .filter((t) => !validCommands.some((c) => c.commandType === t))
        .map((commandType) => ({
          event: { ...validCommands[0], commandType },
          field: 'commandType',
        })),
      fc
        .oneof(nonObjectJson, fc.constant(undefined))
        .filter((p) => p === null || typeof p !== 'object' || Array.isArray(p))
        .chain((payload) =>
          fc
            .constantFrom(...validCommands)
            .map((c) => ({ event: { ...c, payload }, field: 'payload' })),
        ),
      fc
        .tuple(fc.constantFrom(...validCommands), extraKey, fc.jsonValue({ maxDepth: 1 }))
        .filter(
          ([, key]) => !['commandType', 'payload', 'commandId', 'correlationId'].includes(key),
        )
        .map(([c, key, value]) => ({
          event: JSON.parse(
            `{${JSON.stringify(key)}:${JSON.stringify(value)},${JSON.stringify(c).slice(1)}`,
          ),
          field: key === '' ? '(body)' : key,
        })),
      fc
        .tuple(
          fc.constantFrom(...validCommands),
          fc.oneof(fc.constantFrom('', 'a b', 'x'.repeat(129), '../x', ...unicodeEdges), wrongType),
        )
        .map(([c, commandId]) => ({ event: { ...c, commandId }, field: 'commandId' })),
    );
    await fc.assert(
      fc.asyncProperty(bad, async ({ event }) => {
        const { status, fields } = await invokeCommand(event);
        expect(status).toBe(400);
        expect(fields.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses bad payload fields, naming each', async () => {
    const payloadCases = fc.oneof(
      fc.tuple(fc.constantFrom(validCommands[0]), fc.constant('email'), invalidEmail),
      fc.tuple(fc.constantFrom(validCommands[1]), fc.constant('newEmail'), invalidEmail),
      fc.tuple(
        fc.constantFrom(...validCommands),
        fc.constant('customerId'),
        fc.oneof(
          fc.constantFrom('', '../etc', '%2e%2e%2f', 'a b', 'x'.repeat(65), ...unicodeEdges),
          wrongType,
        ),
      ),
      fc.tuple(
        fc.constantFrom(validCommands[0]),
        fc.constant('name'),
        fc.oneof(fc.constantFrom('', '   ', 'x'.repeat(201)), wrongType),
      ),
      fc.tuple(
        fc.constantFrom(validCommands[2]),
        fc.constant('reasonCode'),
        fc.oneof(fc.constantFrom('', 'fraud', 'BANNED', 'OTHER '), wrongType),
      ),
      fc.tuple(
        fc.constantFrom(validCommands[2]),
        fc.constant('note'),
        fc.oneof(fc.constantFrom('', ' ', 'x'.repeat(501)), wrongType),
      ),
      fc.tuple(
        fc.constantFrom(validCommands[4]),
        fc.constant('reason'),
        fc.oneof(fc.constantFrom('', ' ', 'x'.repeat(501)), wrongType),
      ),
      fc.tuple(
        fc.constantFrom(validCommands[1], validCommands[2], validCommands[3]),
        fc.constant('expectedVersion'),
        fc.oneof(fc.constantFrom(-1, 1.5, '1', Number.MAX_VALUE, 2 ** 53), wrongType),
      ),
    );
    await fc.assert(
      fc.asyncProperty(payloadCases, async ([c, field, value]) => {
        fc.pre(
          !(field === 'expectedVersion' && Number.isSafeInteger(value) && (value as number) >= 0),
        );
        const { status, fields } = await invokeCommand({
          ...c,
          payload: { ...c.payload, [field]: value },
        });
        expect(status).toBe(400);
        expect([...new Set(fields)]).toEqual([`data.${field}`]);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a payload missing a field or carrying an extra one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...validCommands), fc.nat(), extraKey, async (c, n, key) => {
        const keys = Object.keys(c.payload).filter(
          (k) => k !== 'customerId' || c.commandType !== 'RegisterCustomer',
        );
        const missing = keys[n % keys.length] ?? '';
        const { [missing]: _gone, ...rest } = c.payload as Record<string, unknown>;
        const without = await invokeCommand({ ...c, payload: rest });
        // Without `reason`, the older suspension is the current one lacking `reasonCode`.
        const named = missing === 'reason' ? 'reasonCode' : missing;
        expect(without.fields).toEqual([`data.${named}`]);
        fc.pre(key !== '__proto__');
        const extra = await invokeCommand({ ...c, payload: { ...c.payload, [key]: 'x' } });
        expect(extra.status).toBe(400);
        // An unknown key is reported on the object that holds it.
        expect(extra.fields).toEqual(['data']);
      }),
      { numRuns: 60 },
    );
  });
});

describe('runDirectQuery with bad invocations', () => {
  it('refuses an event that is not an invocation object', async () => {
    await fc.assert(
      fc.asyncProperty(nonObjectJson, async (event) => {
        const { status } = await invokeQuery(event);
        expect(status).toBe(400);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses bad fields of every query, naming them', async () => {
    const badCases = fc.oneof(
      fc
        .oneof(fc.string(), wrongType)
        .filter((t) => !validQueries.some((q) => q.queryType === t))
        .map((queryType) => ({ event: { ...validQueries[0], queryType }, field: 'queryType' })),
      fc
        .oneof(
          fc.constantFrom('', '../etc', '%2e%2e%2f', 'a b', 'x'.repeat(65), ...unicodeEdges),
          wrongType,
        )
        .map((customerId) => ({ event: { ...validQueries[0], customerId }, field: 'customerId' })),
      fc
        .oneof(fc.constantFrom(0, -1, 1.5, '1.5', 'abc', 2 ** 53, '99999999999'), wrongType)
        .filter((v) =>
          typeof v === 'string'
            ? !/^\d{1,10}$/.test(v)
            : !(Number.isSafeInteger(v) && (v as number) >= 1),
        )
        .map((minVersion) => ({ event: { ...validQueries[0], minVersion }, field: 'minVersion' })),
      fc
        .tuple(
          fc.constantFrom(validQueries[1], validQueries[2]),
          fc.oneof(fc.constantFrom(0, 101, -5, 2.5, '0', '101', 'ten', ''), wrongType).filter(
            // Objects without a prototype cannot become numbers: they are bad limits anyway.
            (v) =>
              !(
                (typeof v === 'number' || typeof v === 'string') &&
                Number.isInteger(Number(v)) &&
                Number(v) >= 1 &&
                Number(v) <= 100 &&
                v !== ''
              ),
          ),
        )
        .map(([q, limit]) => ({ event: { ...q, limit }, field: 'limit' })),
      fc
        .tuple(
          fc.constantFrom(validQueries[1], validQueries[2]),
          fc.oneof(fc.constantFrom('', 'garbage!', 'eyJ4IjoxfQ', ...unicodeEdges), wrongType),
        )
        .map(([q, cursor]) => ({ event: { ...q, cursor }, field: 'cursor' })),
      fc
        .oneof(
          fc.constantFrom('', '  ', 'a'.repeat(255)),
          wrongType.filter((v) => typeof v !== 'string'),
        )
        .map((email) => ({ event: { ...validQueries[2], email }, field: 'email' })),
    );
    await fc.assert(
      fc.asyncProperty(badCases, async ({ event, field }) => {
        const { status, fields } = await invokeQuery(event);
        expect(status).toBe(400);
        expect([...new Set(fields)]).toEqual([field]);
      }),
      { numRuns: RUNS },
    );
  });
});
