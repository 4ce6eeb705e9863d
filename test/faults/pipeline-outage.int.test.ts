import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewStore } from '../../src/adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { localClientConfig } from '../support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';
import { type AuditTarget, auditOnce } from './audit.js';
import { type CommandStep, customerScript } from './scripted-customers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a pipeline stage down for a while during load', () => {
  const config = configWithOwnTables();
  let runtime: LocalRuntime;
  let documentClient: DynamoDBDocumentClient;
  let store: DynamoDBEventStore;
  let views: DynamoDBCustomerViewStore;
  let app: ReturnType<typeof createHttpApp>;
  let target: AuditTarget;

  beforeAll(async () => {
    const dynamodb = localClientConfig(inject('dynamoEndpoint'));
    runtime = await startLocalRuntime({ config, dynamodb, visibilityTimeoutSeconds: 2 });
    documentClient = createDocumentClient(dynamodb);
    store = new DynamoDBEventStore({ client: documentClient, tableName: config.COMMAND_TABLE });
    views = new DynamoDBCustomerViewStore({
      client: documentClient,
      tableName: config.QUERY_TABLE,
    });
    app = createHttpApp({ commands: [createCommandRoutes(new CustomerCommandService({ store }))] });
    target = runtime.service.auditSources;
  });
  afterAll(async () => {
    await runtime?.stop();
    documentClient?.destroy();
    await dropTables(config);
  });

  const send = async (step: CommandStep) => {
    const response = await app.request(step.path, {
      method: step.method,
      headers: { 'content-type': 'application/json', 'idempotency-key': step.key },
      body: JSON.stringify(step.body),
    });
    return response.status;
  };

  interface Load {
    statuses: number[];
    scripts: Array<{ steps: CommandStep[]; startedAt: number }>;
  }

  /**
   * Starts a new scripted customer every `everyMs` until `until` settles, each running its
   * commands one after another; resolves with every status and every script.
   */
  const loadUntil = async (load: Load, run: string, until: Promise<unknown>, everyMs = 80) => {
    const running: Promise<void>[] = [];
    let over = false;
    void until.then(() => {
      over = true;
    });
    while (!over) {
      const steps = customerScript(run, load.scripts.length, 4);
      load.scripts.push({ steps, startedAt: Date.now() });
      running.push(
        (async () => {
          for (const step of steps) load.statuses.push(await send(step));
        })(),
      );
      await sleep(everyMs);
    }
    await Promise.all(running);
  };

  /**
   * The stage goes down for 2.5 s in the middle of the load. Just before it comes back, the
   * customers registered while it was down are counted in the read model: there must be none.
   */
  const outage = async (
    load: Load,
    stage: { pause(): Promise<void>; resume(): Promise<void> },
  ): Promise<{ registeredWhileDown: number; projectedWhileDown: number }> => {
    await sleep(400);
    await stage.pause();
    const pausedAt = Date.now();
    await sleep(2500);
    // A margin for commands that were already past the stage when it went down.
    const late = load.scripts.filter((s) => s.startedAt > pausedAt + 500);
    let projectedWhileDown = 0;
    for (const { steps } of late) {
      if (await views.get(steps[0]?.customerId ?? '')) projectedWhileDown++;
    }
    await stage.resume();
    await sleep(400);
    return { registeredWhileDown: late.length, projectedWhileDown };
  };

  const expectConverged = async (load: Load) => {
    await runtime.waitUntilIdle(60_000);
    const report = await auditOnce(target);
    expect(report.examples).toEqual([]);
    expect(report.clean).toBe(true);
    for (const { steps: script } of load.scripts) {
      const customerId = script[0]?.customerId ?? '';
      const stream = await store.readStream(customerId);
      expect(stream.map((e) => e.metadata.commandId)).toEqual(script.map((s) => s.key));
      expect((await views.get(customerId))?.version).toBe(stream.length);
    }
  };

  const runWithOutage = async (
    run: string,
    stage: { pause(): Promise<void>; resume(): Promise<void> },
  ) => {
    const load: Load = { statuses: [], scripts: [] };
    const down = outage(load, stage);
    await loadUntil(load, run, down);
    const { registeredWhileDown, projectedWhileDown } = await down;
    expect(load.scripts.length).toBeGreaterThan(20);
    expect(load.statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
    expect(load.statuses.length).toBe(load.scripts.length * 4);
    // The outage was real: customers registered during it had no view until it ended.
    expect(registeredWhileDown).toBeGreaterThan(5);
    expect(projectedWhileDown).toBe(0);
    await expectConverged(load);
  };

  it('SQS emulator down: every command is still accepted, and the views catch up after it returns', async () => {
    await runWithOutage('sqs-down', runtime.sqs);
  }, 90_000);

  it('EventBridge stand-in down: every command is still accepted, and the views catch up after it returns', async () => {
    await runWithOutage('eb-down', runtime.eventBridge);
  }, 90_000);
});
