import { readFileSync } from 'node:fs';
import { App, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { customerViewsTable, eventStoreTable } from '../src/adapters/dynamodb/table-definitions.js';
import { serviceRoutes } from '../src/app/http/route-catalog.js';
import { CustomerServiceStack } from './customer-service-stack.js';
import type { ServiceFunction } from './service-function.js';
import { readStackContext } from './stack-context.js';
import {
  ACCOUNT_CONCURRENCY,
  defaultProvisionedCapacity,
  defaultRouteThrottle,
  defaultStackSizing,
  operationIdOf,
  readStackSizing,
  reservedTotal,
  routeThrottle,
  SIZING_GOAL,
  StackSizingError,
  UNRESERVED_NEEDED,
} from './stack-sizing.js';

const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

type Json = Record<string, unknown>;

const synth = (context: Record<string, string> = {}) => {
  const app = new App({ context: { ...cdkJson.context, ...context } });
  const stack = new CustomerServiceStack(app, 'Sized', {
    functionCode: 'stub',
    ...readStackContext(app.node),
  });
  return { stack, template: Template.fromStack(stack) };
};

const propsOf = (template: Template, stack: CustomerServiceStack, construct: CfnResource) =>
  (template.toJSON().Resources[stack.getLogicalId(construct)] as { Properties: Json }).Properties;
const functionProps = (t: Template, stack: CustomerServiceStack, fn: ServiceFunction) =>
  propsOf(t, stack, fn.function.node.defaultChild as CfnResource);
const tableProps = (
  t: Template,
  stack: CustomerServiceStack,
  table: { node: { defaultChild?: unknown } },
) => propsOf(t, stack, table.node.defaultChild as CfnResource);
const mappingOf = (t: Template, stack: CustomerServiceStack, fn: ServiceFunction) =>
  Object.values(t.findResources('AWS::Lambda::EventSourceMapping')).find(
    (m) =>
      JSON.stringify((m as { Properties: Json }).Properties.FunctionName) ===
      JSON.stringify({ Ref: stack.getLogicalId(fn.function.node.defaultChild as CfnResource) }),
  ) as { Properties: Json };
const stageOf = (t: Template) =>
  Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
    Properties: Json;
    DependsOn?: string[];
  };
const contextOf = (context: Record<string, string>) =>
  new App({ context: { ...cdkJson.context, ...context } }).node;

describe('the stack, sized for the goal by default', () => {
  let stack: CustomerServiceStack;
  let template: Template;
  const sizing = defaultStackSizing();
  beforeAll(() => {
    ({ stack, template } = synth());
  }, 300_000);

  it('every service route has its own throttle; the command routes carry their share of the goal', () => {
    const stage = stageOf(template);
    const settings = stage.Properties.RouteSettings as Record<string, Json>;
    const routes = serviceRoutes();
    expect(Object.keys(settings).sort()).toEqual(
      routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort(),
    );
    for (const route of routes) {
      const setting = settings[`${route.method.toUpperCase()} ${route.path}`];
      const throttle = sizing.routeThrottles[operationIdOf(route)];
      expect(setting).toEqual({
        ThrottlingRateLimit: throttle?.rateLimit,
        ThrottlingBurstLimit: throttle?.burstLimit,
      });
    }
    for (const [operation, share] of Object.entries(SIZING_GOAL.mix)) {
      const route = routes.find((r) => r.route.operationId === operation);
      const rate = settings[`${route?.method.toUpperCase()} ${route?.path}`]?.ThrottlingRateLimit;
      expect(rate).toBeGreaterThan(SIZING_GOAL.commandsPerSecond * share);
    }
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
    // Route settings name routes; the stage must be written after them.
    const routeIds = Object.entries(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter(([, r]) => ((r as { Properties: Json }).Properties.RouteKey as string) in settings)
      .map(([id]) => id);
    expect(routeIds).toHaveLength(routes.length);
    expect(stage.DependsOn ?? []).toEqual(expect.arrayContaining(routeIds));
  });

  it('commands, publisher and projector hold reserved concurrency; reads and operations share the rest', () => {
    const reservedOf = (fn: ServiceFunction) =>
      functionProps(template, stack, fn).ReservedConcurrentExecutions;
    expect(reservedOf(stack.commandApi)).toBe(1000);
    expect(reservedOf(stack.publisher)).toBe(500);
    expect(reservedOf(stack.projector)).toBe(160);
    expect(reservedOf(stack.queryApi)).toBeUndefined();
    expect(reservedOf(stack.opsApi)).toBeUndefined();
    expect(reservedTotal(sizing) + UNRESERVED_NEEDED).toBeLessThanOrEqual(ACCOUNT_CONCURRENCY);
  });

  it('the projector may run as many as it has reserved; the stream runs 4 batches per shard', () => {
    expect(mappingOf(template, stack, stack.projector).Properties.ScalingConfig).toEqual({
      MaximumConcurrency: 160,
    });
    expect(mappingOf(template, stack, stack.publisher).Properties.ParallelizationFactor).toBe(4);
  });

  it('both tables and every index of each are warmed for the goal', () => {
    for (const [table, definition, figures] of [
      [stack.eventStore, eventStoreTable, sizing.warmThroughput?.eventStore],
      [stack.customerViews, customerViewsTable, sizing.warmThroughput?.views],
    ] as const) {
      const props = tableProps(template, stack, table);
      expect(props.WarmThroughput).toEqual({
        ReadUnitsPerSecond: figures?.table.readUnitsPerSecond,
        WriteUnitsPerSecond: figures?.table.writeUnitsPerSecond,
      });
      const indexes = props.GlobalSecondaryIndexes as Array<{ IndexName: string } & Json>;
      expect(indexes.map((i) => i.IndexName).sort()).toEqual(
        definition.globalSecondaryIndexes.map((i) => i.indexName).sort(),
      );
      for (const index of indexes) {
        expect(index.WarmThroughput).toEqual({
          ReadUnitsPerSecond: figures?.indexes.readUnitsPerSecond,
          WriteUnitsPerSecond: figures?.indexes.writeUnitsPerSecond,
        });
      }
    }
    // Billed per request unless told otherwise: nothing to scale.
    for (const table of [stack.eventStore, stack.customerViews]) {
      const props = tableProps(template, stack, table);
      expect(props.BillingMode).toBe('PAY_PER_REQUEST');
      expect(props).not.toHaveProperty('ProvisionedThroughput');
    }
    expect(template.findResources('AWS::ApplicationAutoScaling::ScalableTarget')).toEqual({});
    // Writes: the mix's units per command at the goal, more than a new table's 4,000.
    expect(sizing.warmThroughput?.eventStore.table.writeUnitsPerSecond).toBeGreaterThan(
      SIZING_GOAL.commandsPerSecond * 4,
    );
  });

  it('the query function waits at most 250 ms for a view to catch up', () => {
    const env = (functionProps(template, stack, stack.queryApi).Environment as Json)
      .Variables as Json;
    expect(env.MIN_VERSION_WAIT_MS).toBe('250');
  });
});

describe('sizing from context', () => {
  it('every setting can be changed, and turned off where that means something', () => {
    const { stack, template } = synth({
      routeThrottle: 'changeCustomerEmail=500/100, getCustomer=50/60',
      defaultRouteThrottle: '10/20',
      projectorMaxConcurrency: '20',
      reservedConcurrency: 'commands=none,publisher=30',
      streamParallelization: '2',
      warmThroughput: 'none',
      minVersionWaitMs: '0',
      capacityMode: 'provisioned',
      provisionedMax: 'views=9000/8000',
    });
    const stage = stageOf(template);
    const settings = stage.Properties.RouteSettings as Record<string, Json>;
    expect(settings['PUT /customers/{id}/email']).toEqual({
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 100,
    });
    expect(settings['GET /customers/{id}']).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 60,
    });
    expect(settings['POST /customers']).toEqual({
      ThrottlingRateLimit: 2250,
      ThrottlingBurstLimit: 1125,
    });
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 20,
    });
    const reservedOf = (fn: ServiceFunction) =>
      functionProps(template, stack, fn).ReservedConcurrentExecutions;
    expect(reservedOf(stack.commandApi)).toBeUndefined();
    expect(reservedOf(stack.publisher)).toBe(30);
    // The projector's reservation follows its maximum concurrency.
    expect(reservedOf(stack.projector)).toBe(20);
    expect(mappingOf(template, stack, stack.projector).Properties.ScalingConfig).toEqual({
      MaximumConcurrency: 20,
    });
    expect(mappingOf(template, stack, stack.publisher).Properties.ParallelizationFactor).toBe(2);
    for (const table of [stack.eventStore, stack.customerViews]) {
      const props = tableProps(template, stack, table);
      expect(props).not.toHaveProperty('WarmThroughput');
      for (const index of props.GlobalSecondaryIndexes as Json[]) {
        expect(index).not.toHaveProperty('WarmThroughput');
      }
    }
    const env = (functionProps(template, stack, stack.queryApi).Environment as Json)
      .Variables as Json;
    expect(env.MIN_VERSION_WAIT_MS).toBe('0');

    // Provisioned: each table and index starts at its minimum, and auto scaling tracks 70%.
    const capacity = defaultProvisionedCapacity();
    capacity.views.table.read.max = 9000;
    capacity.views.table.write.max = 8000;
    const resources = template.toJSON().Resources as Record<string, { Properties: Json }>;
    const targets = Object.values(
      template.findResources('AWS::ApplicationAutoScaling::ScalableTarget'),
    ) as Array<{ Properties: Json }>;
    const policies = Object.values(
      template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'),
    ) as Array<{ Properties: Json }>;
    const scalingOf = (resourceId: string, dimension: string) => {
      const target = Object.entries(resources).find(
        ([, r]) =>
          targets.includes(r) &&
          JSON.stringify(r.Properties.ResourceId).includes(resourceId) &&
          r.Properties.ScalableDimension === dimension,
      );
      const policy = policies.find((p) =>
        JSON.stringify(p.Properties).includes(`"${target?.[0]}"`),
      );
      return {
        min: target?.[1].Properties.MinCapacity,
        max: target?.[1].Properties.MaxCapacity,
        target: (policy?.Properties.TargetTrackingScalingPolicyConfiguration as Json | undefined)
          ?.TargetValue,
      };
    };
    let expected = 0;
    for (const [table, definition, units] of [
      [stack.eventStore, eventStoreTable, capacity.eventStore],
      [stack.customerViews, customerViewsTable, capacity.views],
    ] as const) {
      const props = tableProps(template, stack, table);
      expect(props.BillingMode ?? 'PROVISIONED').toBe('PROVISIONED');
      expect(props.ProvisionedThroughput).toEqual({
        ReadCapacityUnits: units.table.read.min,
        WriteCapacityUnits: units.table.write.min,
      });
      const tableId = stack.getLogicalId(table.node.defaultChild as CfnResource);
      expect(scalingOf(tableId, 'dynamodb:table:WriteCapacityUnits')).toEqual({
        ...units.table.write,
        target: 70,
      });
      expect(scalingOf(tableId, 'dynamodb:table:ReadCapacityUnits')).toEqual({
        ...units.table.read,
        target: 70,
      });
      for (const index of props.GlobalSecondaryIndexes as Array<{ IndexName: string } & Json>) {
        expect(index.ProvisionedThroughput).toEqual({
          ReadCapacityUnits: units.indexes.read.min,
          WriteCapacityUnits: units.indexes.write.min,
        });
        const indexId = `index/${index.IndexName}`;
        expect(scalingOf(indexId, 'dynamodb:index:WriteCapacityUnits')).toEqual({
          ...units.indexes.write,
          target: 70,
        });
        expect(scalingOf(indexId, 'dynamodb:index:ReadCapacityUnits')).toEqual({
          ...units.indexes.read,
          target: 70,
        });
      }
      expected += 2 * (1 + definition.globalSecondaryIndexes.length);
    }
    // Every table and every index, reads and writes: nothing is left at a fixed capacity.
    expect(targets).toHaveLength(expected);
    expect(policies).toHaveLength(expected);
    const { violations } = new AwsSolutionsChecks().validateScope(stack);
    expect(
      violations.map((v) => `${v.ruleName}: ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
  }, 300_000);

  it('provisioned defaults carry the goal at the target utilisation with headroom, and start lower', () => {
    const capacity = readStackSizing(
      contextOf({
        capacityMode: 'provisioned',
        capacityTargetUtilization: '80',
        provisionedMin: 'eventStore=100/200',
      }),
    ).capacity;
    if (capacity.mode !== 'provisioned') throw new Error('expected provisioned');
    expect(capacity.targetUtilizationPercent).toBe(80);
    expect(capacity.eventStore.table.read.min).toBe(100);
    expect(capacity.eventStore.table.write.min).toBe(200);
    const goal = SIZING_GOAL.commandsPerSecond;
    const defaults = defaultProvisionedCapacity();
    // The event store's writes at the goal (7.8 units a command) fit under the maximum at 70%.
    expect(defaults.eventStore.table.write.max * 0.7).toBeGreaterThan(goal * 7.8);
    expect(defaults.views.indexes.write.max * 0.7).toBeGreaterThan(goal * 2);
    for (const table of [defaults.eventStore, defaults.views])
      for (const units of [table.table, table.indexes])
        for (const range of [units.read, units.write]) expect(range.min).toBeLessThan(range.max);
    expect(defaultStackSizing().capacity).toEqual({ mode: 'on-demand' });
  });

  it('reservedConcurrency=none reserves nothing; warm throughput per table and index', () => {
    const sizing = readStackSizing(
      contextOf({
        reservedConcurrency: 'none',
        warmThroughput: 'views=20000/8000,eventStoreIndexes=12000/9000',
      }),
    );
    expect(sizing.reservedConcurrency).toEqual({});
    expect(sizing.warmThroughput?.views.table).toEqual({
      readUnitsPerSecond: 20000,
      writeUnitsPerSecond: 8000,
    });
    expect(sizing.warmThroughput?.eventStore.indexes).toEqual({
      readUnitsPerSecond: 12000,
      writeUnitsPerSecond: 9000,
    });
    expect(sizing.warmThroughput?.eventStore.table).toEqual(
      defaultStackSizing().warmThroughput?.eventStore.table,
    );
  });

  it('refuses what the stack cannot deploy, naming the setting', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ routeThrottle: 'noSuchRoute=10/10' }, /routeThrottle/],
      [{ routeThrottle: 'getCustomer=10' }, /routeThrottle getCustomer/],
      [{ defaultRouteThrottle: '0/10' }, /defaultRouteThrottle/],
      [{ projectorMaxConcurrency: '1' }, /projectorMaxConcurrency/],
      [{ projectorMaxConcurrency: '1001' }, /projectorMaxConcurrency/],
      [{ reservedConcurrency: 'projector=10' }, /at least projectorMaxConcurrency/],
      [{ reservedConcurrency: 'queries=10' }, /reservedConcurrency/],
      [{ streamParallelization: '11' }, /streamParallelization/],
      [{ warmThroughput: 'views=1000' }, /warmThroughput views/],
      [{ minVersionWaitMs: '-1' }, /minVersionWaitMs/],
      [{ capacityMode: 'reserved' }, /capacityMode/],
      [{ provisionedMax: 'views=10/10' }, /provisionedMax needs capacityMode=provisioned/],
      [
        { capacityMode: 'provisioned', capacityTargetUtilization: '95' },
        /capacityTargetUtilization/,
      ],
      [
        { capacityMode: 'provisioned', provisionedMin: 'views=99000/10' },
        /provisionedMin views read/,
      ],
      [{ capacityMode: 'provisioned', provisionedMax: 'tables=1/1' }, /provisionedMax/],
    ];
    for (const [context, message] of bad) {
      expect(() => readStackSizing(contextOf(context)), JSON.stringify(context)).toThrow(
        StackSizingError,
      );
      expect(() => readStackSizing(contextOf(context))).toThrow(message);
    }
  });
});

describe('a route the sizing lists no throttle for', () => {
  it("gets its side's default, and a listed one its own", () => {
    const routes = serviceRoutes();
    const command = routes.find((r) => r.side === 'commands');
    const query = routes.find((r) => r.side === 'queries');
    if (!command || !query) throw new Error('the catalog has no command or query route');
    expect(routeThrottle({}, command)).toEqual(defaultRouteThrottle(command));
    expect(routeThrottle({}, query)).toEqual(defaultRouteThrottle(query));
    const own = { rateLimit: 7, burstLimit: 3 };
    expect(routeThrottle({ [operationIdOf(query)]: own }, query)).toEqual(own);
  });

  it('is sized by its kind even when its operation id names an Object property', () => {
    const query = serviceRoutes().find((r) => r.side === 'queries');
    if (!query) throw new Error('the catalog has no query route');
    const named = { ...query, route: { ...query.route, operationId: 'toString' } };
    expect(routeThrottle({}, named)).toEqual(defaultRouteThrottle(named));
  });
});
