import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Logger } from '../../src/core/ports.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { localClientConfig } from '../support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';

const config = configWithOwnTables();
const lines: Array<{ message: string; extra: Record<string, unknown> }> = [];
const record = (message: string, extra: Record<string, unknown> = {}) =>
  lines.push({ message, extra });
const logger: Logger = { debug: record, info: record, warn: record, error: record };
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    config,
    dynamodb: localClientConfig(inject('dynamoEndpoint')),
    logger,
  });
});
afterAll(async () => {
  await runtime?.stop();
  await dropTables(config);
});

describe('the correlation id of a request', () => {
  it('goes into the event metadata, then into every publisher and projector line about that event', async () => {
    // The first PutEvents entry fails once, so the publisher has something to say.
    runtime.eventBridge.failNextEntries(1);
    const app = runtime.service.httpApp({ commands: true, queries: true });
    const response = await app.request('/customers', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-e2e-1' },
      body: JSON.stringify({ email: 'corr@example.com', name: 'Corr' }),
    });
    expect(response.status).toBe(201);
    const { customerId } = (await response.json()) as { customerId: string };
    await runtime.waitUntilIdle();

    const [event] = await runtime.service.eventStore.readStream(customerId);
    expect(event?.metadata.correlationId).toBe('corr-e2e-1');

    const published = lines.filter((l) => l.message === 'PutEvents entries failed');
    expect(published.map((l) => l.extra.correlationIds)).toEqual([['corr-e2e-1']]);
    const projected = lines.filter(
      (l) => l.message === 'event projected' && l.extra.aggregateId === customerId,
    );
    expect(projected.length).toBeGreaterThanOrEqual(1);
    for (const line of projected) expect(line.extra.correlationId).toBe('corr-e2e-1');
    // Personal data stays out of every line.
    expect(JSON.stringify(lines)).not.toContain('corr@example.com');
  });
});
