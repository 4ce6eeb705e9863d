import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localClientConfig } from '../../test/support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../../test/support/runtime-tables.js';
import { customerModule } from '../app/customer/module.js';
import { type LocalRuntime, startLocalRuntime } from './runtime.js';

describe('local runtime with pipeline: false (npm start -- --no-pipeline)', () => {
  const config = configWithOwnTables();
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      config,
      dynamodb: localClientConfig(inject('dynamoEndpoint')),
      pipeline: false,
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    await dropTables(config);
  });

  it('serves commands, publishes and projects nothing, and stops without draining', async () => {
    const { commands, queries } = runtime.service.aggregate(customerModule);
    const outcome = await commands.execute(
      {
        type: 'RegisterCustomer',
        data: { customerId: 'np-1', email: 'np@example.com', name: 'N' },
      },
      { correlationId: 'np' },
    );
    await commands.execute(
      { type: 'UpdateEmail', data: { customerId: 'np-1', newEmail: 'np2@example.com' } },
      { correlationId: 'np' },
    );
    expect(outcome.version).toBe(1);
    expect((await runtime.service.eventStore.readStream('np-1')).map((e) => e.version)).toEqual([
      1, 2,
    ]);

    // Long enough for a running pipeline to have projected it (its idle pause is 100 ms).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await runtime.service.aggregate('Customer').views().get('np-1')).toBeUndefined();
    await expect(queries.getCustomer('np-1')).rejects.toThrow(/np-1/);
    // Nothing was consumed, so nothing can be called idle.
    await expect(runtime.waitUntilIdle(500)).rejects.toThrow(/not running/);

    const stopped = await runtime.stop();
    expect(stopped.drained).toBe(false);
  });
});
