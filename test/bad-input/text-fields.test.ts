import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../src/adapters/memory/in-memory-event-store.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { runDirectCommand } from '../../src/app/direct-commands.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { CountingEventStore, type ErrorBody } from './bad-input.js';

/**
 * Free text (names, reasons) may hold any script, emoji, RTL or zero-width marks, but not
 * text that is not text: an unpaired surrogate cannot be encoded as UTF-8 (DynamoDB and
 * every consumer downstream must guess), and control characters such as NUL break logs,
 * CSV exports and terminals. Both are refused at the edge, before anything is written.
 */
const notText = ['x\ud800y', '\udc00', 'nul\u0000byte', 'bell\u0007', 'esc\u001b[31m'];
const realText = [
  'Zoë Ångström',
  'שלום',
  '\u202eevil',
  'zero\u200bwidth',
  '👩‍👩‍👧 family',
  '李小龙',
];

const setup = () => {
  const store = new CountingEventStore(new InMemoryEventStore());
  const commands = new CustomerCommandService({ store });
  const app = createHttpApp({ commands: [createCommandRoutes(commands)] });
  const post = async (path: string, body: unknown) => {
    const response = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ErrorBody };
  };
  return { store, commands, post };
};

const fieldsOf = (body: ErrorBody) => (body.error?.details ?? []).map((d) => d.field);

describe('free-text fields', () => {
  it.each(realText)('accepts %j as a name, a note and an older reason', async (text) => {
    const { post, store } = setup();
    const registered = await post('/customers', {
      customerId: 'c1',
      email: 'c1@example.com',
      name: text,
    });
    expect(registered.status).toBe(201);
    const note = { reasonCode: 'OTHER', note: text };
    expect((await post('/customers/c1/suspend', note)).status).toBe(200);
    expect((await post('/customers/c1/reactivate', {})).status).toBe(200);
    expect((await post('/customers/c1/suspend', { reason: text })).status).toBe(200);
    expect(store.writes).toBe(4);
  });

  it.each(notText)('refuses %j as a name, naming it, and writes nothing', async (text) => {
    const { post, store } = setup();
    const { status, body } = await post('/customers', { email: 'a@example.com', name: text });
    expect(status).toBe(400);
    expect(fieldsOf(body)).toEqual(['name']);
    expect(store.writes).toBe(0);
  });

  it.each(notText)('refuses %j as a suspension note or older reason, naming it', async (text) => {
    const { post, store } = setup();
    await post('/customers', { customerId: 'c1', email: 'c1@example.com', name: 'C' });
    const noted = await post('/customers/c1/suspend', { reasonCode: 'FRAUD', note: text });
    expect(noted.status).toBe(400);
    expect(fieldsOf(noted.body)).toEqual(['note']);
    const older = await post('/customers/c1/suspend', { reason: text });
    expect(older.status).toBe(400);
    expect(fieldsOf(older.body)).toEqual(['reason']);
    expect(store.writes).toBe(1);
  });

  it.each(notText)('refuses %j as a direct invocation correlationId', async (text) => {
    const { commands, store } = setup();
    const answer = await runDirectCommand(
      commands,
      {
        commandType: 'RegisterCustomer',
        payload: { email: 'a@example.com', name: 'A' },
        correlationId: text,
      },
      'c',
    );
    expect(answer.statusCode).toBe(400);
    expect(fieldsOf(JSON.parse(answer.body) as ErrorBody)).toEqual(['correlationId']);
    expect(store.writes).toBe(0);
  });
});
