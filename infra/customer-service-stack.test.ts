import { readFileSync } from 'node:fs';
import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CUSTOMERS_BY_EMAIL_INDEX,
  CUSTOMERS_BY_STATUS_INDEX,
  customerViewsTable,
  eventStoreTable,
} from '../src/adapters/dynamodb/table-definitions.js';
import {
  projectionRule,
  serviceEventsPattern,
} from '../src/adapters/eventbridge/projection-rule.js';
import { readConfig } from '../src/config.js';
import { customerEventTypes } from '../src/domain/customer/events.js';
import { CustomerServiceStack, type CustomerServiceStackProps } from './customer-service-stack.js';
import type { ServiceFunction } from './service-function.js';
import { readStackContext, StackContextError } from './stack-context.js';

/** The same feature flags `cdk synth` uses, so the template under test is the deployed one. */
const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

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
  });

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
          GlobalSecondaryIndexes: Match.absent(),
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

    it('retainData=false lets a development stack delete its tables', () => {
      const dev = synth({ retainData: false }).template;
      const tables = Object.values(dev.findResources('AWS::DynamoDB::Table')) as Json[];
      expect(tables).toHaveLength(2);
      for (const table of tables) {
        expect(table.DeletionPolicy).toBe('Delete');
        expect((table.Properties as Json).DeletionProtectionEnabled).toBe(false);
      }
    });
  });

  describe('functions', () => {
    it('four functions: Node 22 on arm64, source maps on, JSON logs to a retained log group', () => {
      template.resourceCountIs('AWS::Lambda::Function', 4);
      const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Json[];
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Environment: {
            Variables: expect.objectContaining({
              NODE_OPTIONS: '--enable-source-maps',
              LOG_LEVEL: 'INFO',
              POWERTOOLS_SERVICE_NAME: 'customer-service',
            }),
          },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        });
      }
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as Json[];
      expect(logGroups).toHaveLength(5);
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
      });
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
      const rule = only('AWS::Events::Rule');
      const shared = projectionRule({ source: readConfig({}).EVENT_SOURCE_NAME });
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
        ScalingConfig: { MaximumConcurrency: 5 },
      });
    });
  });

  describe('HTTP API', () => {
    const routeKeys = [
      'POST /customers',
      'PUT /customers/{id}/email',
      'POST /customers/{id}/suspend',
      'POST /customers/{id}/reactivate',
      'GET /customers/{id}/events',
      'GET /customers/{id}',
      'GET /customers',
      'GET /customers/search',
    ];

    it('every route, IAM-authorised by default, on the right function', () => {
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Json[];
      expect(routes.map((r) => (r.Properties as Json).RouteKey).sort()).toEqual(
        [...routeKeys].sort(),
      );
      for (const route of routes) {
        expect((route.Properties as Json).AuthorizationType).toBe('AWS_IAM');
      }
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const functionOf = (routeKey: string) => {
        const route = routes.find((r) => (r.Properties as Json).RouteKey === routeKey);
        const target = JSON.stringify((route?.Properties as Json | undefined)?.Target);
        const integration = Object.entries(integrations).find(([id]) => target.includes(id));
        return JSON.stringify((integration?.[1] as Json | undefined)?.Properties);
      };
      const command = logicalId(stack, stack.commandApi.function);
      const query = logicalId(stack, stack.queryApi.function);
      for (const key of routeKeys.slice(0, 5)) expect(functionOf(key)).toContain(command);
      for (const key of routeKeys.slice(5)) expect(functionOf(key)).toContain(query);
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
    });

    it('auth=jwt switches every route to a JWT authoriser with the given issuer and audience', () => {
      const app = new App({
        context: {
          auth: 'jwt',
          jwtIssuer: 'https://issuer.example.com',
          jwtAudience: 'client-a, client-b',
        },
      });
      const props = readStackContext(app.node);
      const jwt = synth(props).template;
      jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        JwtConfiguration: {
          Issuer: 'https://issuer.example.com',
          Audience: ['client-a', 'client-b'],
        },
      });
      const routes = Object.values(jwt.findResources('AWS::ApiGatewayV2::Route')) as Json[];
      expect(routes).toHaveLength(8);
      for (const route of routes) expect((route.Properties as Json).AuthorizationType).toBe('JWT');
    });

    it('auth=jwt without issuer or audience, or an unknown auth, stops synthesis', () => {
      const context = (values: Record<string, string>) => new App({ context: values }).node;
      expect(() => readStackContext(context({ auth: 'jwt' }))).toThrow(StackContextError);
      expect(() =>
        readStackContext(context({ auth: 'jwt', jwtIssuer: 'https://issuer.example.com' })),
      ).toThrow(StackContextError);
      expect(() => readStackContext(context({ auth: 'none' }))).toThrow(StackContextError);
      expect(readStackContext(context({}))).toEqual({
        authorization: { type: 'iam' },
        retainData: true,
      });
    });
  });

  describe('least privilege', () => {
    it('no role has managed policies, and no action is a wildcard', () => {
      const roles = Object.values(template.findResources('AWS::IAM::Role')) as Json[];
      expect(roles).toHaveLength(4);
      for (const role of roles) {
        expect((role.Properties as Json).ManagedPolicyArns).toBeUndefined();
        expect((role.Properties as Json).Policies).toBeUndefined();
      }
      for (const fn of [stack.commandApi, stack.queryApi, stack.publisher, stack.projector]) {
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
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ]);
      expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
      expect(actionsOf(statements).filter((a) => !/^(dynamodb|logs):/.test(a))).toEqual([]);
    });

    it('query: reads the read model and its two indexes, and can write nothing', () => {
      const statements = statementsOf(template, stack, stack.queryApi);
      const data = statements.filter((s) => !actionsOf([s])[0]?.startsWith('logs:'));
      expect(data).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: [
            attr(ids.views, 'Arn'),
            ...[CUSTOMERS_BY_EMAIL_INDEX, CUSTOMERS_BY_STATUS_INDEX].map((index) => ({
              'Fn::Join': ['', [attr(ids.views, 'Arn'), `/index/${index}`]],
            })),
          ],
        },
      ]);
      expect(onResource(statements, ids.eventStore)).toEqual([]);
      const writes = /Put|Update|Delete|Write|Send|Create/;
      expect(actionsOf(data).filter((a) => writes.test(a))).toEqual([]);
    });

    it('publisher: reads the stream and puts events on its own bus, nothing else', () => {
      const statements = statementsOf(template, stack, stack.publisher);
      const data = statements.filter((s) => !actionsOf([s])[0]?.startsWith('logs:'));
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

    it('only the publisher holds a "*" resource, for dynamodb:ListStreams alone', () => {
      for (const fn of [stack.commandApi, stack.queryApi, stack.projector]) {
        expect(JSON.stringify(statementsOf(template, stack, fn))).not.toContain('"*"');
      }
      const star = statementsOf(template, stack, stack.publisher).filter((s) =>
        asList(s.Resource).includes('*'),
      );
      expect(actionsOf(star)).toEqual(['dynamodb:ListStreams']);
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

    it('errors and throttles of every function', () => {
      const functions = [stack.commandApi, stack.queryApi, stack.publisher, stack.projector].map(
        (fn) => logicalId(stack, fn.function),
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
});
