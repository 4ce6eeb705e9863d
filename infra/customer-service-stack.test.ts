import { readFileSync } from 'node:fs';
import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CUSTOMER_VIEW_INDEXES,
  customerViewsTable,
  customerViewsTableLayout1,
  eventStoreTable,
} from '../src/adapters/dynamodb/table-definitions.js';
import {
  projectionRule,
  serviceEventsPattern,
} from '../src/adapters/eventbridge/projection-rule.js';
import { scopeFor } from '../src/app/access/roles.js';
import { publicRoutes, serviceRoutes } from '../src/app/http/route-catalog.js';
import { AGGREGATES } from '../src/composition/aggregates.js';
import { callBudget } from '../src/composition/call-budget.js';
import { AggregateDeclarationError } from '../src/composition/check-declarations.js';
import { readConfig } from '../src/config.js';
import { customerEventTypes } from '../src/domain/customer/events.js';
import { ledgerDeclaration } from '../test/support/ledger-declaration.js';
import { CustomerServiceStack, type CustomerServiceStackProps } from './customer-service-stack.js';
import { OPERATOR_TOOLS } from './operator-tool-policies.js';
import type { ServiceFunction } from './service-function.js';
import { readStackContext, StackContextError } from './stack-context.js';
import { defaultRouteThrottle, defaultStackSizing, operationIdOf } from './stack-sizing.js';

/** The same feature flags `cdk synth` uses, so the template under test is the deployed one. */
const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** Synthesis validates the template and takes a while on a busy machine. */
const SYNTH_TIMEOUT = 300_000;

const synth = (props: Partial<CustomerServiceStackProps> = {}, context = {}) => {
  const app = new App({ context: { ...cdkJson.context, ...context } });
  const stack = new CustomerServiceStack(app, 'Test', { functionCode: 'stub', ...props });
  return { app, stack, template: Template.fromStack(stack) };
};

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement any identity policy attached to this function's role grants. */
const statementsOf = (template: Template, stack: Stack, fn: ServiceFunction): Statement[] => {
  const roleId = logicalId(stack, fn.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Json[];
  return policies
    .filter((p) =>
      ((p.Properties as Json).Roles as unknown[]).some((r) => JSON.stringify(r).includes(roleId)),
    )
    .flatMap(
      (p) => ((p.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
    );
};
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => asList(s.Action));
/** Statements whose resources mention this logical id (directly or inside Fn::Join). */
const onResource = (statements: Statement[], id: string) =>
  statements.filter((s) => JSON.stringify(s.Resource).includes(`"${id}"`));
const attr = (id: string, name: string) => ({ 'Fn::GetAtt': [id, name] });
/** What a function does with data: its own logs and X-Ray traces left out. */
const dataStatements = (statements: Statement[]): Statement[] =>
  statements.flatMap((s) => {
    const actions = asList(s.Action).filter((a) => !/^(logs|xray):/.test(a));
    if (actions.length === 0) return [];
    return [{ ...s, Action: actions.length === 1 ? (actions[0] as string) : actions }];
  });
const functionsOf = (stack: CustomerServiceStack) => [
  stack.commandApi,
  stack.queryApi,
  stack.publisher,
  stack.projector,
  stack.reconciler,
  stack.opsApi,
];

const ledger = ledgerDeclaration;

const resourcesOf = (template: Template) =>
  template.toJSON().Resources as Record<string, { Type: string; Properties?: Json }>;

/** Every statement of the identity policies attached to this role. */
const statementsOfRole = (template: Template, roleId: string): Statement[] =>
  Object.values(resourcesOf(template))
    .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .filter((r) => JSON.stringify(r.Properties?.Roles ?? []).includes(`"${roleId}"`))
    .flatMap(
      (r) =>
        (r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
    );
/** The actions granted on exactly this resource (an ARN token as CloudFormation writes it). */
const actionsOn = (statements: Statement[], resource: unknown): string[] =>
  statements
    .filter((s) => s.Effect === 'Allow')
    .filter((s) => asList(s.Resource).some((r) => JSON.stringify(r) === JSON.stringify(resource)))
    .flatMap((s) => asList(s.Action))
    .sort();

/** A string CloudFormation joins, with each `Ref` written as `<Ref id>`. */
const joined = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const v = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (v.Ref) return `<Ref ${v.Ref}>`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(joined).join(v['Fn::Join'][0]);
  throw new Error(`cannot read ${JSON.stringify(value)}`);
};

describe('CustomerServiceStack', () => {
  let stack: CustomerServiceStack;
  let template: Template;
  let ids: Record<'eventStore' | 'views' | 'bus' | 'queue' | 'dlq' | 'failures', string>;

  beforeAll(() => {
    ({ stack, template } = synth());
    ids = {
      eventStore: logicalId(stack, stack.eventStore),
      views: logicalId(stack, stack.customerViews),
      bus: logicalId(stack, stack.bus),
      queue: logicalId(stack, stack.projectionQueue),
      dlq: logicalId(stack, stack.projectionDeadLetterQueue),
      failures: logicalId(stack, stack.streamFailureQueue),
    };
  }, SYNTH_TIMEOUT);

  describe('tables, built from the shared definitions', () => {
    it('the event store: keys, on-demand, NEW_IMAGE stream, PITR, TTL, retained', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: eventStoreTable.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: eventStoreTable.sortKey?.name, KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: {
            AttributeName: eventStoreTable.timeToLiveAttribute,
            Enabled: true,
          },
          DeletionProtectionEnabled: true,
          // The reconciler's change index: sparse, keys only.
          GlobalSecondaryIndexes: [
            {
              IndexName: 'byChange',
              KeySchema: [
                { AttributeName: 'changeBucket', KeyType: 'HASH' },
                { AttributeName: 'timestamp', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
        },
      });
    });

    it('CustomerViews: its key and every secondary index of the definition', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: customerViewsTable.partitionKey.name, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: Match.absent(),
        GlobalSecondaryIndexes: customerViewsTable.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey?.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        })),
      });
    });

    it(
      'retainData=false lets a development stack delete its tables',
      () => {
        const dev = synth({ retainData: false }).template;
        const tables = Object.values(dev.findResources('AWS::DynamoDB::Table')) as Json[];
        expect(tables).toHaveLength(2);
        for (const table of tables) {
          expect(table.DeletionPolicy).toBe('Delete');
          expect((table.Properties as Json).DeletionProtectionEnabled).toBe(false);
        }
      },
      SYNTH_TIMEOUT,
    );
  });

  describe('functions', () => {
    it('eight functions: Node 22 on arm64, traced, source maps on, JSON logs to a retained log group', () => {
      // Beside CDK's provider framework function, which runs the claims marker's custom resource.
      const functions = (
        Object.values(template.findResources('AWS::Lambda::Function')) as Json[]
      ).filter(
        (fn) =>
          !String((fn.Properties as Json).Description).startsWith(
            'AWS CDK resource provider framework',
          ),
      );
      expect(functions).toHaveLength(8);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Environment: {
            Variables: expect.objectContaining({
              NODE_OPTIONS: '--enable-source-maps',
              LOG_LEVEL: 'INFO',
              POWERTOOLS_SERVICE_NAME: 'customer-service',
              // The namespace the dashboard and the ViewsHealed alarm read.
              METRICS_NAMESPACE: 'CustomerService',
              POWERTOOLS_METRICS_NAMESPACE: 'CustomerService',
              POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
            }),
          },
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        });
      }
      expect(readConfig({}).METRICS_NAMESPACE).toBe('CustomerService');
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as Json[];
      expect(logGroups).toHaveLength(10);
      for (const group of logGroups) {
        expect((group.Properties as Json).RetentionInDays).toBe(30);
      }
    });

    it('each function is told only the names it uses', () => {
      const env = (fn: ServiceFunction) => {
        const resource = template.toJSON().Resources[logicalId(stack, fn.function)] as Json;
        return ((resource.Properties as Json).Environment as Json).Variables as Json;
      };
      const table = (id: string) => ({ Ref: id });
      expect(env(stack.commandApi)).toMatchObject({ COMMAND_TABLE: table(ids.eventStore) });
      expect(env(stack.commandApi)).not.toHaveProperty('QUERY_TABLE');
      expect(env(stack.queryApi)).toMatchObject({ QUERY_TABLE: table(ids.views) });
      expect(env(stack.queryApi)).not.toHaveProperty('COMMAND_TABLE');
      expect(env(stack.publisher)).toMatchObject({
        EVENT_BUS_NAME: table(ids.bus),
        EVENT_SOURCE_NAME: 'customer.service',
      });
      expect(env(stack.projector)).toMatchObject({
        COMMAND_TABLE: table(ids.eventStore),
        QUERY_TABLE: table(ids.views),
        PROJECTION_MAX_RECEIVE_COUNT: '5',
      });
      expect(env(stack.reconciler)).toMatchObject({
        COMMAND_TABLE: table(ids.eventStore),
        QUERY_TABLE: table(ids.views),
      });
    });

    it('the reconciler runs one at a time; the change index shard count is a setting, 32 by default', () => {
      const fn = (f: ServiceFunction) =>
        (template.toJSON().Resources[logicalId(stack, f.function)] as Json).Properties as Json;
      expect(fn(stack.reconciler).ReservedConcurrentExecutions).toBe(1);
      // Written by the command function, read by the reconciler.
      for (const f of [stack.commandApi, stack.reconciler]) {
        expect((fn(f).Environment as Json).Variables).toMatchObject({ CHANGE_INDEX_SHARDS: '32' });
      }
      const context = (changeIndexShards: string) =>
        readStackContext(new App({ context: { changeIndexShards } }).node);
      expect(context('64')).toMatchObject({ changeIndexShards: 64 });
      for (const bad of ['0', '2.5', 'many']) {
        expect(() => context(bad)).toThrow(StackContextError);
      }
    });
  });

  describe("each function's AWS call budget", () => {
    it('is derived from its own timeout, and one call that hangs ends well before the function does', () => {
      const functions = Object.values(template.findResources('AWS::Lambda::Function'))
        .map((resource) => resource.Properties as Json)
        .filter((p) => ((p.Environment as Json | undefined)?.Variables as Json)?.SERVICE_NAME);
      expect(functions.length).toBeGreaterThanOrEqual(6);
      for (const fn of functions) {
        const timeoutMs = (fn.Timeout as number) * 1000;
        const variables = (fn.Environment as Json).Variables as Json;
        expect(variables.FUNCTION_TIMEOUT_MS).toBe(String(timeoutMs));
        const budget = callBudget(readConfig({ FUNCTION_TIMEOUT_MS: String(timeoutMs) }));
        expect(budget.worstCaseMs).toBeLessThanOrEqual(timeoutMs * 0.6);
      }
    });
  });

  describe('stream -> publisher', () => {
    it('bounded retries, bisect on error, partial batch responses, on-failure queue, EVENT INSERTs only', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: attr(ids.eventStore, 'StreamArn'),
        FunctionName: { Ref: logicalId(stack, stack.publisher.function) },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 6 * 3600,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: attr(ids.failures, 'Arn') } },
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { NewImage: { itemType: { S: ['EVENT'] } } },
              }),
            },
          ],
        },
      });
    });
  });

  describe('bus -> queue -> projector', () => {
    it('a custom bus, archived, with a rule on the service source to the projection queue', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.hasResourceProperties('AWS::Events::Archive', {
        SourceArn: attr(ids.bus, 'Arn'),
        EventPattern: { source: ['customer.service'] },
        RetentionDays: 365,
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: ids.bus },
        EventPattern: { source: ['customer.service'] },
        Targets: [
          Match.objectLike({
            Arn: attr(ids.queue, 'Arn'),
            DeadLetterConfig: { Arn: attr(ids.dlq, 'Arn') },
            // The shared definition's policy, which the local stand-in honours too.
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          }),
        ],
      });
    });

    it('the rule and the archive carry exactly the shared patterns the stand-in routes by', () => {
      const only = (type: string): Json => {
        const resources = Object.values(template.findResources(type)) as Json[];
        expect(resources).toHaveLength(1);
        return resources[0]?.Properties as Json;
      };
      const shared = projectionRule({
        source: readConfig({}).EVENT_SOURCE_NAME,
        aggregates: AGGREGATES,
      });
      const rules = (Object.values(template.findResources('AWS::Events::Rule')) as Json[])
        .map((r) => r.Properties as Json)
        .filter((r) => r.EventPattern !== undefined && r.EventBusName !== undefined);
      expect(rules).toHaveLength(1);
      const rule = rules[0] as Json;
      expect(rule.EventPattern).toEqual(shared.eventPattern);
      expect(rule.Name).toBe(shared.name);
      expect(rule.Description).toBe(shared.description);
      // Independently: the service's source, and every type of the domain's event union.
      expect(rule.EventPattern).toEqual({
        source: ['customer.service'],
        'detail-type': [...customerEventTypes],
      });
      expect(customerEventTypes).toContain('CustomerRegistered');
      // The archive keeps every event of the source, whatever its type, for replay.
      expect(only('AWS::Events::Archive').EventPattern).toEqual(
        serviceEventsPattern(readConfig({}).EVENT_SOURCE_NAME),
      );
      expect(only('AWS::Events::Archive').EventPattern).toEqual({ source: ['customer.service'] });
    });

    it('the queue has a dead-letter queue and a visibility timeout >= 6x the projector timeout', () => {
      const queue = template.toJSON().Resources[ids.queue].Properties as Json;
      const projector = template.toJSON().Resources[logicalId(stack, stack.projector.function)]
        .Properties as Json;
      expect(queue.RedrivePolicy).toEqual({
        deadLetterTargetArn: attr(ids.dlq, 'Arn'),
        maxReceiveCount: 5,
      });
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (projector.Timeout as number));
    });

    it('every queue is encrypted and refuses requests without TLS', () => {
      const queues = template.findResources('AWS::SQS::Queue');
      expect(Object.keys(queues)).toHaveLength(3);
      for (const [id, queue] of Object.entries(queues)) {
        expect((queue as Json).Properties).toMatchObject({ SqsManagedSseEnabled: true });
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    it('the projector consumes with partial batch responses and bounded concurrency', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: attr(ids.queue, 'Arn'),
        FunctionName: { Ref: logicalId(stack, stack.projector.function) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: defaultStackSizing().projectorMaxConcurrency },
      });
    });
  });

  describe('HTTP API', () => {
    const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
    const routesOf = (t: Template) =>
      (Object.values(t.findResources('AWS::ApiGatewayV2::Route')) as Json[]).map(
        (r) => r.Properties as Json,
      );

    it('every route of the catalog on the function of its side, IAM-authorised; the public pages open', () => {
      const routes = routesOf(template);
      const data = serviceRoutes();
      const open = publicRoutes();
      // No catch-all: every ops route is exact, each with its own role.
      expect(routes.map((r) => r.RouteKey).sort()).toEqual(
        [...data, ...open].map((r) => key(r.method, r.path)).sort(),
      );
      expect(routes.map((r) => r.RouteKey)).not.toContain('GET /ops/{proxy+}');
      expect(data.map((r) => key(r.method, r.path))).toEqual(
        expect.arrayContaining(['DELETE /customers/{id}', 'POST /ops/dead-letters/redrive']),
      );
      const byKey = new Map(routes.map((r) => [r.RouteKey as string, r]));
      for (const route of data) {
        expect(byKey.get(key(route.method, route.path))?.AuthorizationType).toBe('AWS_IAM');
      }
      for (const route of open) {
        expect(byKey.get(key(route.method, route.path))?.AuthorizationType).toBe('NONE');
      }
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const functionOf = (routeKey: string) => {
        const target = JSON.stringify(byKey.get(routeKey)?.Target);
        const integration = Object.entries(integrations).find(([id]) => target.includes(id));
        return JSON.stringify((integration?.[1] as Json | undefined)?.Properties);
      };
      const functions = {
        commands: logicalId(stack, stack.commandApi.function),
        queries: logicalId(stack, stack.queryApi.function),
        operations: logicalId(stack, stack.opsApi.function),
      };
      for (const route of data) {
        expect(functionOf(key(route.method, route.path))).toContain(functions[route.side]);
      }
      for (const route of open) {
        expect(functionOf(key(route.method, route.path))).toContain(functions.queries);
      }
      expect(functionOf('GET /customers/{id}/events')).toContain(functions.commands);
      expect(functionOf('GET /customers/{id}')).toContain(functions.queries);
    });

    it('the default stage is throttled and writes access logs without query strings', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.not(Match.stringLikeRegexp('querystring|rawQueryString')),
        },
      });
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as Json;
      const format = JSON.parse(
        ((stage.Properties as Json).AccessLogSettings as { Format: string }).Format,
      ) as Record<string, string>;
      // Who called: the token's subject and client, or the IAM principal.
      expect(format).toMatchObject({
        callerSub: '$context.authorizer.claims.sub',
        callerClientId: '$context.authorizer.claims.client_id',
        callerArn: '$context.identity.userArn',
      });
    });

    it(
      'auth=jwt: a JWT authoriser on every data route with its role as scope, none on the public pages',
      () => {
        const app = new App({
          context: {
            auth: 'jwt',
            jwtIssuer: 'https://issuer.example.com',
            jwtAudience: 'client-a, client-b',
            jwtScopePrefix: 'api://customers/',
          },
        });
        const props = readStackContext(app.node);
        const jwt = synth(props);
        jwt.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
          AuthorizerType: 'JWT',
          JwtConfiguration: {
            Issuer: 'https://issuer.example.com',
            Audience: ['client-a', 'client-b'],
          },
        });
        const routes = new Map(routesOf(jwt.template).map((r) => [r.RouteKey as string, r]));
        expect(routes.size).toBe(serviceRoutes().length + publicRoutes().length);
        for (const route of serviceRoutes()) {
          expect(routes.get(key(route.method, route.path))).toMatchObject({
            AuthorizationType: 'JWT',
            AuthorizationScopes: [`api://customers/${route.role}`],
          });
        }
        expect(routes.get('DELETE /customers/{id}')?.AuthorizationScopes).toEqual([
          scopeFor('customers:erase', 'api://customers/'),
        ]);
        for (const route of publicRoutes()) {
          const served = routes.get(key(route.method, route.path));
          expect(served?.AuthorizationType).toBe('NONE');
          expect(served?.AuthorizationScopes).toBeUndefined();
        }
        // The app checks the role again with the same prefix; the console signs in at the issuer.
        const env = (fn: ServiceFunction) =>
          (
            (
              (jwt.template.toJSON().Resources[logicalId(jwt.stack, fn.function)] as Json)
                .Properties as Json
            ).Environment as Json
          ).Variables as Json;
        for (const fn of [jwt.stack.commandApi, jwt.stack.queryApi, jwt.stack.opsApi]) {
          expect(env(fn).AUTH_SCOPE_PREFIX).toBe('api://customers/');
        }
        expect(env(jwt.stack.queryApi)).toMatchObject({
          CONSOLE_OIDC_ISSUER: 'https://issuer.example.com',
          CONSOLE_OIDC_CLIENT_ID: 'client-a',
        });
        expect(env(jwt.stack.projector).AUTH_SCOPE_PREFIX).toBeUndefined();
        // With a JWT authoriser there is no IAM route to grant.
        expect(jwt.stack.serviceApi.rolePolicies.size).toBe(0);
      },
      SYNTH_TIMEOUT,
    );

    it('auth=jwt without issuer or audience, or an unknown auth, stops synthesis', () => {
      const context = (values: Record<string, string>) => new App({ context: values }).node;
      expect(() => readStackContext(context({ auth: 'jwt' }))).toThrow(StackContextError);
      expect(() =>
        readStackContext(context({ auth: 'jwt', jwtIssuer: 'https://issuer.example.com' })),
      ).toThrow(StackContextError);
      expect(() => readStackContext(context({ auth: 'none' }))).toThrow(StackContextError);
      expect(() => readStackContext(context({ auth: 'cognito' }))).toThrow(StackContextError);
      expect(() =>
        readStackContext(context({ auth: 'cognito', cognitoDomainPrefix: 'Not_Valid' })),
      ).toThrow(StackContextError);
      expect(() =>
        readStackContext(context({ auth: 'cognito', cognitoDomainPrefix: 'my-cognito' })),
      ).toThrow(StackContextError);
      expect(
        readStackContext(context({ auth: 'cognito', cognitoDomainPrefix: 'acme-customers' })),
      ).toMatchObject({ authorization: { type: 'cognito', domainPrefix: 'acme-customers' } });
      expect(() => readStackContext(context({ keyAdminArns: 'alice' }))).toThrow(StackContextError);
      expect(
        readStackContext(
          context({
            keyAdminArns:
              'arn:aws:iam::123456789012:role/KeyAdmins, arn:aws:iam::123456789012:user/ops',
          }),
        ).keyAdminArns,
      ).toEqual(['arn:aws:iam::123456789012:role/KeyAdmins', 'arn:aws:iam::123456789012:user/ops']);
      expect(readStackContext(context({}))).toEqual({
        authorization: { type: 'iam' },
        retainData: true,
        sizing: defaultStackSizing(),
      });
    });
  });

  describe('least privilege', () => {
    it('no function role has managed policies, and no action is a wildcard', () => {
      const functionRoles = new Set(functionsOf(stack).map((fn) => logicalId(stack, fn.role)));
      const roles = Object.entries(template.findResources('AWS::IAM::Role'))
        .filter(([id]) => functionRoles.has(id))
        .map(([, role]) => role as Json);
      expect(roles).toHaveLength(6);
      for (const role of roles) {
        expect((role.Properties as Json).ManagedPolicyArns).toBeUndefined();
        expect((role.Properties as Json).Policies).toBeUndefined();
      }
      for (const fn of functionsOf(stack)) {
        const statements = statementsOf(template, stack, fn);
        expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
        for (const action of actionsOf(statements)) expect(action).not.toMatch(/\*/);
        // Each function writes only to its own log group.
        const logs = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('logs:')));
        expect(logs).toEqual([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: attr(logicalId(stack, fn.logGroup), 'Arn'),
          },
        ]);
      }
    });

    it('command: reads and appends to the event store, and cannot touch the read model', () => {
      const statements = statementsOf(template, stack, stack.commandApi);
      expect(onResource(statements, ids.views)).toEqual([]);
      expect(actionsOf(onResource(statements, ids.eventStore)).sort()).toEqual([
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
      // KMS on the data keys' key alone: see data-keys.test.ts.
      expect(actionsOf(statements).filter((a) => !/^(dynamodb|logs|xray|kms):/.test(a))).toEqual(
        [],
      );
    });

    it('query: reads the read model and its indexes of either layout, and can write nothing', () => {
      const statements = statementsOf(template, stack, stack.queryApi);
      const data = dataStatements(statements);
      expect(data).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: [
            attr(ids.views, 'Arn'),
            ...[...CUSTOMER_VIEW_INDEXES].sort().map((index) => ({
              'Fn::Join': ['', [attr(ids.views, 'Arn'), `/index/${index}`]],
            })),
          ],
        },
      ]);
      expect(onResource(statements, ids.eventStore)).toEqual([]);
      const writes = /Put|Update|Delete|Write|Send|Create/;
      expect(actionsOf(data).filter((a) => writes.test(a))).toEqual([]);
    });

    it('operations API: reads both tables, puts only views (repair), moves dead letters back, reads metrics', () => {
      const statements = statementsOf(template, stack, stack.opsApi);
      expect(actionsOf(onResource(statements, ids.eventStore)).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      expect(actionsOf(onResource(statements, ids.views))).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
      ]);
      const sqsActions = actionsOf(statements).filter((a) => a.startsWith('sqs:'));
      expect(sqsActions.sort()).toEqual([
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ]);
      expect(actionsOf(statements).filter((a) => /^kms:/.test(a))).toEqual([
        'kms:Decrypt',
        'kms:Decrypt',
      ]);
      expect(
        actionsOf(statements).filter((a) => !/^(dynamodb|logs|xray|kms|sqs):/.test(a)),
      ).toEqual(['cloudwatch:GetMetricData']);
    });

    it('publisher: reads the stream and puts events on its own bus, nothing else', () => {
      const statements = statementsOf(template, stack, stack.publisher);
      const data = dataStatements(statements);
      expect(data).toEqual(
        expect.arrayContaining([
          { Effect: 'Allow', Action: 'events:PutEvents', Resource: attr(ids.bus, 'Arn') },
          {
            Effect: 'Allow',
            Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
            Resource: attr(ids.eventStore, 'StreamArn'),
          },
          // Has no resource-level permissions; acknowledged for cdk-nag beside the grant.
          { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
          {
            Effect: 'Allow',
            Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
            Resource: attr(ids.failures, 'Arn'),
          },
        ]),
      );
      expect(data).toHaveLength(4);
      // No table-level access: the stream only.
      expect(JSON.stringify(data)).not.toContain(`["${ids.eventStore}","Arn"]`);
      expect(onResource(data, ids.views)).toEqual([]);
    });

    it('projector: reads the event store, writes views, consumes its queue', () => {
      const statements = statementsOf(template, stack, stack.projector);
      expect(actionsOf(onResource(statements, ids.eventStore)).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      expect(actionsOf(onResource(statements, ids.views)).sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
      ]);
      expect(actionsOf(onResource(statements, ids.queue)).sort()).toEqual([
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ]);
      expect(actionsOf(statements).filter((a) => a.startsWith('events:'))).toEqual([]);
      expect(JSON.stringify(statements)).not.toContain('StreamArn');
    });

    it('besides X-Ray, only the publisher holds a "*" resource, for dynamodb:ListStreams alone', () => {
      for (const fn of [stack.commandApi, stack.queryApi, stack.projector, stack.reconciler]) {
        expect(JSON.stringify(dataStatements(statementsOf(template, stack, fn)))).not.toContain(
          '"*"',
        );
      }
      const star = dataStatements(statementsOf(template, stack, stack.publisher)).filter((s) =>
        asList(s.Resource).includes('*'),
      );
      expect(actionsOf(star)).toEqual(['dynamodb:ListStreams']);
    });

    it('every function may send traces, and that is its only other "*" grant', () => {
      for (const fn of functionsOf(stack)) {
        const tracing = statementsOf(template, stack, fn).filter((s) =>
          actionsOf([s]).some((a) => a.startsWith('xray:')),
        );
        expect(tracing.map((s) => s.Resource)).toEqual(['*']);
        expect(
          actionsOf(tracing)
            .filter((a) => a.startsWith('xray:'))
            .sort(),
        ).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    });

    it('reconciler: lists changes on the change index, reads streams, writes views and only its checkpoint', () => {
      // Its KMS grant (Decrypt, to fold encrypted events) is checked in data-keys.test.ts.
      const data = dataStatements(statementsOf(template, stack, stack.reconciler)).filter(
        (s) => !JSON.stringify(s.Action).includes('kms:'),
      );
      expect(data).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: [
            attr(ids.eventStore, 'Arn'),
            { 'Fn::Join': ['', [attr(ids.eventStore, 'Arn'), '/index/byChange']] },
          ],
        },
        {
          Effect: 'Allow',
          Action: 'dynamodb:PutItem',
          Resource: attr(ids.eventStore, 'Arn'),
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CHECKPOINT#*'] } },
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: attr(ids.views, 'Arn'),
        },
      ]);
    });

    it('the operator tools: one managed policy each, with exactly the calls the tool makes', () => {
      const policy = (construct: { node: { defaultChild?: unknown } }) =>
        (
          (template.toJSON().Resources[logicalId(stack, construct)] as Json).Properties as {
            PolicyDocument: { Statement: Statement[] };
            Roles?: unknown;
          }
        ).PolicyDocument.Statement;
      const tools = stack.toolPolicies;
      const actionsBy = (statements: Statement[]) =>
        statements.map((s) => [asList(s.Action).sort(), JSON.stringify(s.Resource)]);
      const changeIndex = JSON.stringify([
        attr(ids.eventStore, 'Arn'),
        { 'Fn::Join': ['', [attr(ids.eventStore, 'Arn'), '/index/byChange']] },
      ]);
      expect(actionsBy(policy(tools.streamFailures))).toEqual([
        [
          [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ReceiveMessage',
          ],
          JSON.stringify(attr(ids.failures, 'Arn')),
        ],
        [
          ['dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          JSON.stringify(attr(ids.eventStore, 'StreamArn')),
        ],
        [['dynamodb:GetItem', 'dynamodb:Query'], changeIndex],
        [['events:PutEvents'], JSON.stringify(attr(ids.bus, 'Arn'))],
      ]);
      const replay = policy(tools.replay);
      expect(actionsOf(replay).sort()).toEqual([
        'events:DescribeArchive',
        'events:DescribeEventBus',
        'events:DescribeReplay',
        'events:DescribeRule',
        'events:StartReplay',
      ]);
      const rebuild = policy(tools.blueGreenRebuild);
      expect(actionsBy(rebuild)[0]).toEqual([
        ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
        JSON.stringify(attr(ids.eventStore, 'Arn')),
      ]);
      // Decrypts data keys (wrapped by KMS directly, or by the branch key) only, as the
      // projector does.
      expect(rebuild[1]).toMatchObject({
        Action: 'kms:Decrypt',
        Resource: attr(logicalId(stack, stack.dataKeys), 'Arn'),
        Condition: { Null: { 'kms:EncryptionContextKeys': 'false' } },
      });
      expect(rebuild[2]).toMatchObject({
        Action: 'kms:Decrypt',
        Resource: attr(logicalId(stack, stack.dataKeys), 'Arn'),
        Condition: { StringEquals: { 'kms:EncryptionContext:branchKeyId': 'subject-data-keys' } },
      });
      // Writes only to green tables, never to the live read model or the event store.
      expect(JSON.stringify(rebuild[3]?.Resource)).toContain(':table/customer-views-*');
      expect(onResource(rebuild, ids.views)).toEqual([]);
      expect(actionsBy(policy(tools.deadLetters))).toEqual([
        [
          [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ReceiveMessage',
          ],
          JSON.stringify(attr(ids.dlq, 'Arn')),
        ],
        [['sqs:GetQueueAttributes', 'sqs:SendMessage'], JSON.stringify(attr(ids.queue, 'Arn'))],
        // `list --diagnose` reads a letter's stream as the projector would.
        [['dynamodb:GetItem', 'dynamodb:Query'], JSON.stringify(attr(ids.eventStore, 'Arn'))],
        // Its data key, wrapped directly by KMS (before) or by a branch key version.
        [['kms:Decrypt'], JSON.stringify(attr(logicalId(stack, stack.dataKeys), 'Arn'))],
        [['kms:Decrypt'], JSON.stringify(attr(logicalId(stack, stack.dataKeys), 'Arn'))],
      ]);
      const maintenance = policy(tools.viewsMaintenance);
      expect(actionsBy(maintenance)).toEqual([
        [
          ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
          JSON.stringify(attr(ids.eventStore, 'Arn')),
        ],
        [['kms:Decrypt'], JSON.stringify(attr(logicalId(stack, stack.dataKeys), 'Arn'))],
        [['kms:Decrypt'], JSON.stringify(attr(logicalId(stack, stack.dataKeys), 'Arn'))],
        [
          ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'],
          JSON.stringify(attr(ids.views, 'Arn')),
        ],
      ]);
      const all = [
        policy(tools.streamFailures),
        replay,
        rebuild,
        policy(tools.deadLetters),
        maintenance,
      ];
      for (const statements of all) {
        for (const action of actionsOf(statements)) expect(action).not.toMatch(/\*/);
      }
      // Only the tool that republishes events may put them on the bus.
      expect(all.map((statements) => actionsOf(statements).includes('events:PutEvents'))).toEqual([
        true,
        false,
        false,
        false,
        false,
      ]);
    });

    it('one role per tool, assumable from the account, holding exactly its policy', () => {
      const resources = template.toJSON().Resources as Record<string, Json>;
      const tools = stack.toolPolicies;
      for (const tool of OPERATOR_TOOLS) {
        const roleId = logicalId(stack, tools.roles[tool]);
        const role = resources[roleId]?.Properties as Json;
        expect(role.ManagedPolicyArns).toBeUndefined();
        expect(role.AssumeRolePolicyDocument).toEqual({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: {
                AWS: {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':iam::',
                      { Ref: 'AWS::AccountId' },
                      ':root',
                    ],
                  ],
                },
              },
            },
          ],
        });
        // The policy names the role (so the key policy can name the role without a cycle).
        const attached = Object.values(resources).filter(
          (r) =>
            r.Type === 'AWS::IAM::ManagedPolicy' &&
            JSON.stringify((r.Properties as Json).Roles ?? []).includes(`"${roleId}"`),
        );
        expect(attached).toHaveLength(1);
        expect(attached[0]).toBe(resources[logicalId(stack, tools[tool])]);
      }
    });
  });

  describe('alarms', () => {
    const alarmsOn = (metricName: string) =>
      (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Json[])
        .map((a) => a.Properties as Json)
        .filter((p) => p.MetricName === metricName);

    it('both dead-letter queues alarm on their first message', () => {
      const alarms = alarmsOn('ApproximateNumberOfMessagesVisible');
      expect(alarms.map((a) => JSON.stringify(a.Dimensions)).sort()).toEqual(
        [ids.dlq, ids.failures].map((id) =>
          JSON.stringify([{ Name: 'QueueName', Value: attr(id, 'QueueName') }]),
        ),
      );
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          Statistic: 'Maximum',
          TreatMissingData: 'notBreaching',
        });
      }
    });

    it('the stream iterator age of the publisher', () => {
      expect(alarmsOn('IteratorAge')).toEqual([
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          Dimensions: [
            { Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.publisher.function) } },
          ],
          Threshold: 60_000,
        }),
      ]);
    });

    it('errors and throttles of every function that runs more than once', () => {
      // The claims marker runs once, at creation: CloudFormation reports its failure.
      const functions = [...functionsOf(stack), stack.branchKeyRotator].map((fn) =>
        logicalId(stack, fn.function),
      );
      for (const metric of ['Errors', 'Throttles']) {
        const alarms = alarmsOn(metric);
        const dimension = (a: Json) => (a.Dimensions as { Value: { Ref: string } }[])[0];
        expect(alarms.map((a) => dimension(a)?.Value.Ref).sort()).toEqual([...functions].sort());
        for (const alarm of alarms) {
          expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
        }
      }
    });
  });

  describe('notifications, dashboard and schedule', () => {
    const topicId = () => logicalId(stack, stack.alarmTopic.topic);

    it('every alarm notifies the alarm topic when it fires and when it is over', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Json[];
      expect(alarms.length).toBe(stack.alarms.length);
      expect(alarms.length).toBeGreaterThanOrEqual(15);
      for (const alarm of alarms) {
        expect(alarm.Properties).toMatchObject({
          AlarmActions: [{ Ref: topicId() }],
          OKActions: [{ Ref: topicId() }],
          AlarmDescription: expect.stringContaining('Runbook: docs/operations.md#'),
        });
      }
    });

    it('the alarm topic is encrypted with a rotated key CloudWatch may use, and refuses plain HTTP', () => {
      const keyId = logicalId(stack, stack.alarmTopic.key);
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: attr(keyId, 'Arn'),
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it(
      '-c alarmEmail subscribes that address; a malformed one stops synthesis',
      () => {
        const app = new App({ context: { ...cdkJson.context, alarmEmail: 'oncall@example.com' } });
        const withEmail = new CustomerServiceStack(app, 'Mail', {
          functionCode: 'stub',
          ...readStackContext(app.node),
        });
        Template.fromStack(withEmail).hasResourceProperties('AWS::SNS::Subscription', {
          Protocol: 'email',
          Endpoint: 'oncall@example.com',
        });
        const bad = new App({ context: { alarmEmail: 'oncall' } });
        expect(() => readStackContext(bad.node)).toThrow(StackContextError);
      },
      SYNTH_TIMEOUT,
    );

    it('a dashboard shows commands, errors, lag, DLQ depth, iterator age and throttles', () => {
      const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
      expect(dashboards).toHaveLength(1);
      // The body is a JSON string joined around tokens (the region, queue and function names).
      const parts = (
        ((dashboards[0] as Json).Properties as Json).DashboardBody as {
          'Fn::Join': [string, unknown[]];
        }
      )['Fn::Join'][1];
      const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as {
        widgets: { properties: { title: string; metrics: unknown[] } }[];
      };
      const metricsOf = (title: string) => {
        const widget = body.widgets.find((w) => w.properties.title.startsWith(title));
        expect(widget, title).toBeDefined();
        return JSON.stringify(widget?.properties.metrics);
      };
      expect(metricsOf('Commands accepted')).toContain(
        `SEARCH('{CustomerService,service,commandType} MetricName=\\"CommandAccepted\\"'`,
      );
      expect(metricsOf('Commands rejected')).toContain('MetricName=\\"CommandRejected\\"');
      expect(metricsOf('Function errors').match(/"Errors"/g)).toHaveLength(6);
      expect(metricsOf('Projection lag')).toContain('"CustomerService","ProjectionLag"');
      expect(
        metricsOf('Dead-letter queue depth').match(/ApproximateNumberOfMessagesVisible/g),
      ).toHaveLength(2);
      expect(metricsOf('Stream iterator age')).toContain('"IteratorAge"');
      expect(metricsOf('Throttles').match(/"Throttles"/g)).toHaveLength(6);
    });

    it('the reconciler runs every 15 minutes on a schedule', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(15 minutes)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: attr(logicalId(stack, stack.reconciler.function), 'Arn'),
            RetryPolicy: { MaximumRetryAttempts: 2 },
          }),
        ],
      });
    });
  });

  it(
    '-c viewsTable switches the readers and writers of views to a green table, keeping the old one',
    () => {
      const app = new App({ context: { ...cdkJson.context, viewsTable: 'customer-views-v2' } });
      const green = new CustomerServiceStack(app, 'Green', {
        functionCode: 'stub',
        ...readStackContext(app.node),
      });
      const t = Template.fromStack(green);
      const env = (fn: ServiceFunction) =>
        (
          ((t.toJSON().Resources[logicalId(green, fn.function)] as Json).Properties as Json)
            .Environment as Json
        ).Variables as Json;
      for (const fn of [green.queryApi, green.projector, green.reconciler]) {
        expect(env(fn).QUERY_TABLE).toBe('customer-views-v2');
        const views = dataStatements(statementsOf(t, green, fn)).filter((s) =>
          JSON.stringify(s.Resource).includes(':table/customer-views-v2'),
        );
        expect(views.length).toBeGreaterThan(0);
        expect(JSON.stringify(statementsOf(t, green, fn))).not.toContain(
          `"${logicalId(green, green.customerViews)}"`,
        );
      }
      // The blue table stays, retained, for a switch back.
      t.resourceCountIs('AWS::DynamoDB::Table', 2);
      expect(() =>
        readStackContext(new App({ context: { viewsTable: 'CustomerViews' } }).node),
      ).toThrow(StackContextError);
    },
    SYNTH_TIMEOUT,
  );

  it(
    '-c viewsLayout=1 keeps the views table of a stack deployed before on its first indexes',
    () => {
      const app = new App({ context: { ...cdkJson.context, viewsLayout: '1' } });
      const before = new CustomerServiceStack(app, 'Before', {
        functionCode: 'stub',
        ...readStackContext(app.node),
      });
      Template.fromStack(before).hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: customerViewsTableLayout1.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey?.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        })),
      });
      expect(() => readStackContext(new App({ context: { viewsLayout: '3' } }).node)).toThrow(
        StackContextError,
      );
    },
    SYNTH_TIMEOUT,
  );

  it('outputs the API URL, table names, bus name and queue URLs', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'EventStoreTableName',
        'CustomerViewsTableName',
        'EventBusName',
        'ProjectionQueueUrl',
        'ProjectionDeadLetterQueueUrl',
        'StreamFailureQueueUrl',
        'EventStoreStreamArn',
        'EventArchiveName',
        'ProjectionRuleName',
        'AlarmTopicArn',
        'DashboardName',
        'ReplayToolPolicyArn',
      ]),
    );
  });

  it('passes the cdk-nag AwsSolutions pack, every exception acknowledged with a reason', () => {
    const { violations } = new AwsSolutionsChecks().validateScope(stack);
    expect(
      violations.map(
        (v) => `${v.ruleName} (${v.severity}): ${v.violatingResources[0]?.constructPath}`,
      ),
    ).toEqual([]);
  });

  it(
    'passes it too in a stack bound to an account and region, as `cdk synth` with credentials builds it',
    () => {
      const app = new App({ context: cdkJson.context });
      const bound = new CustomerServiceStack(app, 'Bound', {
        functionCode: 'stub',
        env: { account: '123456789012', region: 'eu-west-1' },
      });
      const { violations } = new AwsSolutionsChecks().validateScope(bound);
      expect(
        violations.map(
          (v) => `${v.ruleName} (${v.severity}): ${v.violatingResources[0]?.constructPath}`,
        ),
      ).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );

  describe('the stack, derived from the declared aggregates', () => {
    let plain: { stack: CustomerServiceStack; template: Template };
    let two: ReturnType<typeof synth>;
    /** The route the sizing of the second stack leaves without a throttle of its own. */
    const unsized = serviceRoutes().find((r) => r.side === 'queries') ?? serviceRoutes()[0];

    beforeAll(() => {
      plain = { stack, template };
      const sizing = defaultStackSizing();
      if (unsized) delete sizing.routeThrottles[operationIdOf(unsized)];
      two = synth({ aggregates: [...AGGREGATES, ledger], sizing });
    }, SYNTH_TIMEOUT);

    const ledgerTableId = () => {
      const table = two.stack.viewTables.get('LedgerViews');
      if (!table) throw new Error('no LedgerViews table');
      return logicalId(two.stack, table);
    };

    it('a declared view table gets a table of its own, sized, recovered and kept as the views table', () => {
      const all = resourcesOf(two.template);
      const table = all[ledgerTableId()] as Json & { Properties: Json };
      const views = all[logicalId(two.stack, two.stack.customerViews)] as Json & {
        Properties: Json;
      };
      expect(table.Type).toBe('AWS::DynamoDB::Table');
      expect(table.Properties.KeySchema).toEqual([{ AttributeName: 'ledgerId', KeyType: 'HASH' }]);
      expect(table.Properties.GlobalSecondaryIndexes).toEqual([
        {
          IndexName: 'byOwner',
          KeySchema: [
            { AttributeName: 'ownerShard', KeyType: 'HASH' },
            { AttributeName: 'ownerSortKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
          WarmThroughput: (views.Properties.GlobalSecondaryIndexes as Json[])[0]?.WarmThroughput,
        },
      ]);
      for (const same of [
        'BillingMode',
        'PointInTimeRecoverySpecification',
        'DeletionProtectionEnabled',
        'WarmThroughput',
      ]) {
        expect(table.Properties[same]).toEqual(views.Properties[same]);
      }
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
      expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
      two.template.resourceCountIs('AWS::DynamoDB::Table', 3);
      plain.template.resourceCountIs('AWS::DynamoDB::Table', 2);
    });

    it('every function that builds the service is told its name, and the tools by an output', () => {
      const names = { LedgerViews: `<Ref ${ledgerTableId()}>` };
      const { stack, template } = two;
      const variables = (fn: { function: { node: { defaultChild?: unknown } } }) => {
        const properties = resourcesOf(template)[logicalId(stack, fn.function)]?.Properties;
        const environment = properties?.Environment as { Variables?: Json } | undefined;
        return environment?.Variables?.VIEW_TABLES;
      };
      for (const fn of [
        stack.commandApi,
        stack.queryApi,
        stack.publisher,
        stack.projector,
        stack.reconciler,
        stack.opsApi,
        stack.branchKeyRotator,
      ]) {
        expect(JSON.parse(joined(variables(fn)))).toEqual(names);
      }
      expect(variables(stack.claimsMarker)).toBeUndefined();
      const output = template.toJSON().Outputs.ViewTableNames as { Value: unknown };
      expect(JSON.parse(joined(output.Value))).toEqual(names);
      // With the Customer alone, neither the setting nor the output exists.
      expect(plain.template.toJSON().Outputs.ViewTableNames).toBeUndefined();
      expect(JSON.stringify(plain.template.toJSON())).not.toContain('VIEW_TABLES');
    });

    it('the projector, reconciler and operations API write it, the query function reads it and its indexes', () => {
      const { stack, template } = two;
      const arn = { 'Fn::GetAtt': [ledgerTableId(), 'Arn'] };
      const index = { 'Fn::Join': ['', [arn, '/index/byOwner']] };
      const of = (role: { node: { defaultChild?: unknown } }) =>
        statementsOfRole(template, logicalId(stack, role));
      expect(actionsOn(of(stack.projector.role), arn)).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
      ]);
      expect(actionsOn(of(stack.reconciler.role), arn)).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
      ]);
      expect(actionsOn(of(stack.opsApi.role), arn)).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
      ]);
      expect(actionsOn(of(stack.queryApi.role), arn)).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      expect(actionsOn(of(stack.queryApi.role), index)).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
      // audit:views and rebuild fold it as they fold the views table.
      expect(actionsOn(of(stack.toolPolicies.roles.viewsMaintenance), arn)).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Scan',
      ]);
      // Commands never touch a read model.
      expect(JSON.stringify(of(stack.commandApi.role))).not.toContain(`"${ledgerTableId()}"`);
    });

    it("the bus rule routes both aggregates' event types", () => {
      const rules = Object.values(resourcesOf(two.template))
        .filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventBusName !== undefined)
        .map((r) => r.Properties?.EventPattern as Json);
      expect(rules).toEqual([
        {
          source: ['customer.service'],
          'detail-type': [...customerEventTypes, 'LedgerOpened', 'LedgerCredited'],
        },
      ]);
    });

    it('a route the sizing lists no throttle for gets the default of its side', () => {
      if (!unsized) throw new Error('the catalog has no service route');
      const stage = Object.values(resourcesOf(two.template)).find(
        (r) => r.Type === 'AWS::ApiGatewayV2::Stage',
      );
      const settings = stage?.Properties?.RouteSettings as Record<string, Json>;
      const { rateLimit, burstLimit } = defaultRouteThrottle(unsized);
      expect(settings[`${unsized.method.toUpperCase()} ${unsized.path}`]).toEqual({
        ThrottlingRateLimit: rateLimit,
        ThrottlingBurstLimit: burstLimit,
      });
    });

    it('adding an aggregate only adds: every resource keeps its logical id, type and tables', () => {
      const before = resourcesOf(plain.template);
      const after = resourcesOf(two.template);
      for (const [id, resource] of Object.entries(before)) {
        expect(after[id]?.Type, id).toBe(resource.Type);
        if (resource.Type === 'AWS::DynamoDB::Table') {
          expect(after[id]?.Properties, id).toEqual(resource.Properties);
        }
      }
      const added = Object.keys(after).filter((id) => !(id in before));
      expect(added.map((id) => after[id]?.Type)).toEqual(['AWS::DynamoDB::Table']);
    });

    it('passes the cdk-nag AwsSolutions pack with the second aggregate', () => {
      const { violations } = new AwsSolutionsChecks().validateScope(two.stack);
      expect(
        violations.map((v) => `${v.ruleName}: ${v.violatingResources[0]?.constructPath}`),
      ).toEqual([]);
    });

    it('refuses declarations that clash before building anything', () => {
      const thief = { ...ledger, streamPrefix: 'CUSTOMER' };
      expect(() => synth({ aggregates: [...AGGREGATES, thief] })).toThrow(
        AggregateDeclarationError,
      );
    });
  });
});
