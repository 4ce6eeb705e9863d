import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpJwtAuthorizer,
  HttpUserPoolAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHANGE_INDEX,
  DEFAULT_CHANGE_INDEX_SHARDS,
  ITEM_TYPE,
} from '../src/adapters/dynamodb/event-store-keys.js';
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
import {
  type AggregateDeclaration,
  LEGACY_VIEWS_TABLE_ID,
} from '../src/composition/aggregate-module.js';
import { AGGREGATES } from '../src/composition/aggregates.js';
import { checkDeclarations } from '../src/composition/check-declarations.js';
import { type Config, readConfig } from '../src/config.js';
import { METRIC } from '../src/core/metrics.js';
import { AlarmTopic } from './alarm-topic.js';
import { BranchKeyRotation } from './branch-key-rotation.js';
import { ClaimsMarker } from './claims-marker.js';
import { CognitoSignIn } from './cognito-sign-in.js';
import { allowDataKeyUse, type DataKeyAction, keyAdministration } from './data-key-policy.js';
import { KeyStateAlarm } from './key-state-alarm.js';
import { OperationsDashboard } from './operations-dashboard.js';
import { OPERATOR_TOOLS, OperatorToolPolicies } from './operator-tool-policies.js';
import { roleIdentifier } from './route-access.js';
import { onlyPublishersPutServiceEvents, onlyRuleAndRedriveSend } from './send-policies.js';
import { type FunctionCode, ServiceFunction } from './service-function.js';
import { type RouteAuthorization, ServiceHttpApi } from './service-http-api.js';
import { defaultStackSizing, provisionedPropsOf, type StackSizing } from './stack-sizing.js';
import { tableFromDefinition } from './table-from-definition.js';

/**
 * Who may call the HTTP API. `iam`: SigV4, one managed policy per role. `jwt`: any OpenID
 * issuer's access tokens, with the role's scope on each route (`scopePrefix` before the role,
 * `consoleClientId` the public client the console signs in with, else the first audience).
 * `cognito`: a user pool the stack creates, with a hosted UI under `domainPrefix`.
 */
export type ApiAuthorization =
  | { type: 'iam' }
  | {
      type: 'jwt';
      issuer: string;
      audience: string[];
      scopePrefix?: string;
      consoleClientId?: string;
    }
  | { type: 'cognito'; domainPrefix: string };

export interface CustomerServiceStackProps extends StackProps {
  /**
   * The aggregates the service runs: the bus rule routes their event types, and each view
   * table they declare besides the `views` one gets a table. Default: the service's own list.
   */
  aggregates?: readonly AggregateDeclaration[];
  /** Defaults to `bundle`; tests use `stub`. */
  functionCode?: FunctionCode;
  /** Who may call the HTTP API. Defaults to IAM (SigV4-signed requests). */
  authorization?: ApiAuthorization;
  /** Keep both tables (RETAIN + deletion protection) when the stack is deleted. Default true. */
  retainData?: boolean;
  logLevel?: Config['LOG_LEVEL'];
  logRetention?: logs.RetentionDays;
  /** Throttles, concurrency, stream parallelization, warm throughput (`stack-sizing.ts`). */
  sizing?: StackSizing;
  archiveRetention?: Duration;
  /** Subscribed to the alarm topic by email (`-c alarmEmail=…`). */
  alarmEmail?: string;
  /**
   * After a blue/green rebuild (`npm run rebuild -- --into <table>`): the green view table the
   * functions read and write instead of the stack's own, which is kept (`-c viewsTable=…`).
   */
  viewsTableName?: string;
  /**
   * The index layout of the stack's own views table (`-c viewsLayout=1`): 1 keeps the first
   * deployment's (`byStatus`, `byEmail`) on a stack deployed before layout 2, which
   * CloudFormation could not swap in one update; a fresh stack gets 2, the write-sharded one.
   */
  viewsLayout?: 1 | 2;
  /** How often the reconciler runs. Default 15 minutes. */
  reconcileEvery?: Duration;
  /** How often the data keys' branch key gets a new active version (default 30 days). */
  rotateBranchKeyEvery?: Duration;
  /**
   * Shards per hour of the event store's change index (`-c changeIndexShards=…`), written by
   * the command function and read by the reconciler. Default 32: ~313 writes/s per key at
   * 10,000 events/s, under 500.
   */
  changeIndexShards?: number;
  /**
   * Who administers the data keys' key (manage, never use): role or user ARNs
   * (`-c keyAdminArns=…`). Default: the account, through its IAM policies.
   */
  keyAdminArns?: string[];
}

/** Function settings are named here so alarms and queue timeouts follow them. */
const PROJECTOR_TIMEOUT = Duration.seconds(30);
const PROJECTOR_BATCH_WINDOW = Duration.seconds(1);
const ITERATOR_AGE_ALARM_MS = 60_000;
/** Receives before the projection queue dead-letters a message; the projector counts them. */
const PROJECTION_MAX_RECEIVE_COUNT = 5;

/**
 * CDK spells `detail-type` as `detailType` (and renders it back); the shared patterns are
 * written as EventBridge stores them, so this is the one place that translates.
 */
const cdkEventPattern = ({
  'detail-type': detailType,
  ...fields
}: { 'detail-type'?: string[] } & Record<string, unknown>): events.EventPattern => ({
  ...fields,
  ...(detailType ? { detailType } : {}),
});

const reserved = (count: number | undefined) =>
  count === undefined ? {} : { reservedConcurrency: count };

/** Only these variable names exist; `Config` keeps them in step with `src/config.ts`. */
type Environment = Partial<Record<keyof Config | `POWERTOOLS_${string}`, string>>;

/**
 * The whole Customer service: event store, publisher, bus, queue, projector, read model,
 * HTTP API, and the alarms that say when any of it stops moving.
 */
export class CustomerServiceStack extends Stack {
  readonly eventStore: dynamodb.Table;
  readonly customerViews: dynamodb.Table;
  /** The view table in use: `customerViews`, or the green table named by `viewsTableName`. */
  readonly liveViews: dynamodb.ITable;
  /** Every other declared view table, by its id (`VIEW_TABLES`). */
  readonly viewTables: ReadonlyMap<string, dynamodb.Table>;
  /** Wraps each customer's data key and the email claims' HMAC secret (crypto-shredding). */
  readonly dataKeys: kms.Key;
  readonly bus: events.EventBus;
  readonly projectionQueue: sqs.Queue;
  readonly projectionDeadLetterQueue: sqs.Queue;
  readonly streamFailureQueue: sqs.Queue;
  readonly commandApi: ServiceFunction;
  readonly queryApi: ServiceFunction;
  readonly publisher: ServiceFunction;
  readonly projector: ServiceFunction;
  readonly reconciler: ServiceFunction;
  readonly opsApi: ServiceFunction;
  readonly branchKeyRotator: ServiceFunction;
  /** Runs once, at creation: marks an event store it finds empty (`ClaimsMarker`). */
  readonly claimsMarker: ServiceFunction;
  readonly alarmTopic: AlarmTopic;
  readonly dashboard: OperationsDashboard;
  readonly toolPolicies: OperatorToolPolicies;
  readonly httpApi: apigw.HttpApi;
  readonly serviceApi: ServiceHttpApi;
  /** With `auth: cognito`: the user pool, its hosted UI and the console's client. */
  readonly signIn?: CognitoSignIn;
  /** With `auth: cognito`: drops the role scopes a user's groups do not grant. */
  readonly scopeLimiter?: ServiceFunction;
  readonly keyStateAlarm: KeyStateAlarm;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: CustomerServiceStackProps = {}) {
    super(scope, id, props);
    const defaults = readConfig({});
    const retain = props.retainData ?? true;
    const code = props.functionCode ?? 'bundle';
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const eventSource = defaults.EVENT_SOURCE_NAME;
    const sizing = props.sizing ?? defaultStackSizing();
    const aggregates = props.aggregates ?? AGGREGATES;
    checkDeclarations(aggregates);

    // ---- Storage -------------------------------------------------------------------------
    this.eventStore = tableFromDefinition(this, 'EventStore', eventStoreTable, {
      retain,
      ...(sizing.warmThroughput ? { warmThroughput: sizing.warmThroughput.eventStore } : {}),
      ...provisionedPropsOf(sizing.capacity, 'eventStore'),
    });
    this.dataKeys = new kms.Key(this, 'DataKeys', {
      description:
        'Wraps the per-customer data keys of personal data; deleting a wrapped key forgets its customer',
      enableKeyRotation: true,
      // Old wrapped keys name the key version that wrapped them: rotation keeps them readable.
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
      // Not CDK's default (kms:* for the account): administrators manage, named roles use.
      policy: new iam.PolicyDocument({
        statements: [keyAdministration(this, props.keyAdminArns ?? [])],
      }),
    });
    // Every view table is sized, scaled and kept as the Customer views always were.
    const viewTableProps = {
      retain,
      ...(sizing.warmThroughput ? { warmThroughput: sizing.warmThroughput.views } : {}),
      ...provisionedPropsOf(sizing.capacity, 'views'),
    };
    this.customerViews = tableFromDefinition(
      this,
      'CustomerViews',
      props.viewsLayout === 1 ? customerViewsTableLayout1 : customerViewsTable,
      viewTableProps,
    );
    this.liveViews = props.viewsTableName
      ? dynamodb.Table.fromTableName(this, 'GreenViews', props.viewsTableName)
      : this.customerViews;
    // The `views` id is the table above, under its logical id of before modules existed.
    const declaredTables = new Construct(this, 'ViewTables');
    const otherViewTables = aggregates
      .flatMap((aggregate) => aggregate.viewTables)
      .filter(({ id }) => id !== LEGACY_VIEWS_TABLE_ID)
      .map(({ id, definition }) => ({
        id,
        table: tableFromDefinition(declaredTables, id, definition, viewTableProps),
        // Readers may query any index of the definition, of this layout or an earlier one.
        indexes: new Set(
          [definition.globalSecondaryIndexes, ...(definition.earlierLayouts ?? [])]
            .flat()
            .map((index) => index.indexName),
        ),
      }));
    this.viewTables = new Map(otherViewTables.map(({ id, table }) => [id, table]));
    /** `VIEW_TABLES` of this deployment; absent with no other view table. */
    const viewTablesSetting =
      otherViewTables.length > 0
        ? this.toJsonString(
            Object.fromEntries(otherViewTables.map((t) => [t.id, t.table.tableName])),
          )
        : undefined;
    const otherViewTableArns = otherViewTables.map(({ table }) => table.tableArn);

    // ---- Messaging -----------------------------------------------------------------------
    this.bus = new events.EventBus(this, 'EventBus', {
      description: 'Customer domain events, published from the event store stream',
    });
    const archive = this.bus.archive('EventArchive', {
      description: 'Every customer event, for replay into new or repaired consumers',
      eventPattern: cdkEventPattern(serviceEventsPattern(eventSource)),
      retention: props.archiveRetention ?? Duration.days(365),
    });

    this.projectionDeadLetterQueue = this.queue('ProjectionDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
    });
    this.projectionQueue = this.queue('ProjectionQueue', {
      // Lambda's guidance: at least six times the function timeout plus the batch window,
      // so a message is not redelivered while a slow invocation still holds it.
      visibilityTimeout: Duration.seconds(
        PROJECTOR_TIMEOUT.toSeconds() * 6 + PROJECTOR_BATCH_WINDOW.toSeconds(),
      ),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: this.projectionDeadLetterQueue,
        maxReceiveCount: PROJECTION_MAX_RECEIVE_COUNT,
      },
    });
    this.streamFailureQueue = this.queue('StreamFailureQueue', {
      retentionPeriod: Duration.days(14),
    });
    // A failure record only points at stream positions; the events themselves stay in the
    // event store, so this queue is the last stop and needs no queue behind it.
    Validations.of(this.streamFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'Terminal on-failure destination of the stream mapping; its records point at events still held in the event store.',
    });

    const projection = projectionRule({ source: eventSource, aggregates });
    const rule = new events.Rule(this, 'ProjectionRule', {
      // The same name as the local stand-in's rule, so tools find it by name on both sides.
      ruleName: projection.name,
      description: projection.description,
      eventBus: this.bus,
      eventPattern: cdkEventPattern(projection.eventPattern),
      targets: [
        new targets.SqsQueue(this.projectionQueue, {
          // Events EventBridge could not deliver land beside those the projector gave up
          // on: same body shape, so one redrive serves both.
          deadLetterQueue: this.projectionDeadLetterQueue,
          retryAttempts: projection.targetRetryPolicy.maximumRetryAttempts,
          maxEventAge: Duration.seconds(projection.targetRetryPolicy.maximumEventAgeInSeconds),
        }),
      ],
    });

    // ---- Functions -----------------------------------------------------------------------
    const base: Environment = {
      LOG_LEVEL: props.logLevel ?? defaults.LOG_LEVEL,
      SERVICE_NAME: defaults.SERVICE_NAME,
      POWERTOOLS_SERVICE_NAME: defaults.SERVICE_NAME,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? defaults.LOG_LEVEL,
      METRICS_NAMESPACE: defaults.METRICS_NAMESPACE,
      POWERTOOLS_METRICS_NAMESPACE: defaults.METRICS_NAMESPACE,
      // Traces hold timings and SDK calls, never payloads: responses carry personal data.
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
    };
    const changeIndexShards = String(props.changeIndexShards ?? DEFAULT_CHANGE_INDEX_SHARDS);
    const fn = (
      id: string,
      handler: ConstructorParameters<typeof ServiceFunction>[2]['handler'],
      description: string,
      environment: Environment,
      settings: { timeout: Duration; memorySize: number; reservedConcurrency?: number },
    ) =>
      new ServiceFunction(this, id, {
        handler,
        description,
        // Each function's AWS call budget is derived from its own timeout (src/composition/call-budget.ts).
        environment: {
          ...base,
          ...environment,
          FUNCTION_TIMEOUT_MS: String(settings.timeout.toMilliseconds()),
        } as Record<string, string>,
        code,
        logRetention,
        ...settings,
      });

    this.commandApi = fn(
      'CommandApi',
      'commandApi',
      'Customer commands and event history over HTTP',
      {
        COMMAND_TABLE: this.eventStore.tableName,
        KMS_KEY_ID: this.dataKeys.keyArn,
        CHANGE_INDEX_SHARDS: changeIndexShards,
      },
      {
        timeout: Duration.seconds(10),
        memorySize: 512,
        // Reads can never take the executions commands need.
        ...reserved(sizing.reservedConcurrency.commands),
      },
    );
    this.queryApi = fn(
      'QueryApi',
      'queryApi',
      'Customer queries over HTTP, from the read model',
      {
        QUERY_TABLE: this.liveViews.tableName,
        MIN_VERSION_WAIT_MS: String(sizing.minVersionWaitMs),
      },
      { timeout: Duration.seconds(10), memorySize: 512 },
    );
    this.publisher = fn(
      'Publisher',
      'publisher',
      'Event store stream to EventBridge',
      { EVENT_BUS_NAME: this.bus.eventBusName, EVENT_SOURCE_NAME: eventSource },
      {
        timeout: Duration.seconds(60),
        memorySize: 256,
        ...reserved(sizing.reservedConcurrency.publisher),
      },
    );
    this.projector = fn(
      'Projector',
      'projector',
      'Projection queue to the CustomerViews read model',
      {
        COMMAND_TABLE: this.eventStore.tableName,
        QUERY_TABLE: this.liveViews.tableName,
        KMS_KEY_ID: this.dataKeys.keyArn,
        EVENT_SOURCE_NAME: eventSource,
        PROJECTION_MAX_RECEIVE_COUNT: String(PROJECTION_MAX_RECEIVE_COUNT),
      },
      {
        timeout: PROJECTOR_TIMEOUT,
        memorySize: 512,
        ...reserved(sizing.reservedConcurrency.projector),
      },
    );
    this.reconciler = fn(
      'Reconciler',
      'reconciler',
      'Heals views whose last notification was lost, from the change index',
      {
        COMMAND_TABLE: this.eventStore.tableName,
        QUERY_TABLE: this.liveViews.tableName,
        KMS_KEY_ID: this.dataKeys.keyArn,
        CHANGE_INDEX_SHARDS: changeIndexShards,
      },
      // One run at a time: a run that overlaps the next would race it for the checkpoint.
      { timeout: Duration.minutes(5), memorySize: 512, reservedConcurrency: 1 },
    );

    this.opsApi = fn(
      'OpsApi',
      'opsApi',
      "Read-only operations API (pipeline health, one customer's audit) and the DLQ redrive",
      {
        COMMAND_TABLE: this.eventStore.tableName,
        QUERY_TABLE: this.liveViews.tableName,
        KMS_KEY_ID: this.dataKeys.keyArn,
        PROJECTION_QUEUE_URL: this.projectionQueue.queueUrl,
        PROJECTION_DLQ_URL: this.projectionDeadLetterQueue.queueUrl,
        PUBLISHER_FUNCTION_NAME: this.publisher.function.functionName,
      },
      { timeout: Duration.seconds(10), memorySize: 512 },
    );

    // A fresh stack's event store holds no plaintext email claims: marked so, nothing checks them.
    this.claimsMarker = fn(
      'ClaimsMarker',
      'claimsMarker',
      'Marks a freshly created event store as holding hashed email claims only',
      { COMMAND_TABLE: this.eventStore.tableName },
      { timeout: Duration.seconds(30), memorySize: 256 },
    );
    new ClaimsMarker(this, 'HashedClaimsMarker', {
      marker: this.claimsMarker,
      eventStore: this.eventStore,
      logRetention,
    });

    // ---- Least privilege -----------------------------------------------------------------
    // Explicit actions instead of grantReadWriteData: no Scan, no batch writes, and no
    // `index/*` wildcard on either table.
    const eventStoreReadActions = ['dynamodb:GetItem', 'dynamodb:Query'];
    this.allow(
      this.commandApi,
      [this.eventStore.tableArn],
      [
        ...eventStoreReadActions,
        // Appends, snapshots, idempotency records, email claims and their release, data
        // keys; a transaction is authorised per item it writes or checks.
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
        // The one sanctioned rewrite of stored events: erasing a forgotten customer's
        // plaintext of before (docs/privacy.md).
        'dynamodb:UpdateItem',
      ],
    );
    // Data keys: made (GenerateDataKey) and unwrapped (Decrypt) only by the functions that
    // read or write personal data, only on the stack's key, and only under an encryption
    // context naming a customer or a purpose.
    this.allowDataKeys(this.commandApi, ['kms:GenerateDataKey', 'kms:Decrypt']);
    this.allowDataKeys(this.projector, ['kms:Decrypt']);
    this.allowDataKeys(this.reconciler, ['kms:Decrypt']);
    this.allow(
      this.queryApi,
      [
        this.liveViews.tableArn,
        // Either layout's: the reader finds out which one the live table has.
        ...CUSTOMER_VIEW_INDEXES.map((index) => `${this.liveViews.tableArn}/index/${index}`),
        ...otherViewTables.flatMap(({ table, indexes }) => [
          table.tableArn,
          ...[...indexes].map((index) => `${table.tableArn}/index/${index}`),
        ]),
      ],
      ['dynamodb:GetItem', 'dynamodb:Query'],
    );
    this.allow(this.projector, [this.eventStore.tableArn], eventStoreReadActions);
    // A batch's views in one BatchGetItem; view writes are conditional puts on the version read.
    this.allow(
      this.projector,
      [this.liveViews.tableArn, ...otherViewTableArns],
      ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'],
    );
    this.allow(this.publisher, [this.bus.eventBusArn], ['events:PutEvents']);
    // The reconciler lists changes through the change index, reads streams, writes views as
    // the projector does, and keeps its checkpoint: it may put only CHECKPOINT# items.
    this.allow(
      this.reconciler,
      [this.eventStore.tableArn, `${this.eventStore.tableArn}/index/${CHANGE_INDEX}`],
      eventStoreReadActions,
    );
    this.reconciler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.eventStore.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CHECKPOINT#*'] } },
      }),
    );
    // It reads the views of a slice in batches of up to 100 (BatchGetItem).
    this.allow(
      this.reconciler,
      [this.liveViews.tableArn, ...otherViewTableArns],
      ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
    );
    // The operations API reads (an audit folds one stream against its view) and writes only a
    // view put back to the fold of its stream (a repair, a put conditional on the item read);
    // it moves dead letters back to the projection queue and reads queue depths and the
    // service's metrics.
    this.allow(this.opsApi, [this.eventStore.tableArn], eventStoreReadActions);
    this.allow(
      this.opsApi,
      [this.liveViews.tableArn, ...otherViewTableArns],
      ['dynamodb:GetItem', 'dynamodb:PutItem'],
    );
    this.allowDataKeys(this.opsApi, ['kms:Decrypt']);
    this.allow(
      this.opsApi,
      [this.projectionQueue.queueArn, this.projectionDeadLetterQueue.queueArn],
      ['sqs:GetQueueAttributes'],
    );
    this.allow(
      this.opsApi,
      [this.projectionDeadLetterQueue.queueArn],
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
    );
    this.allow(this.opsApi, [this.projectionQueue.queueArn], ['sqs:SendMessage']);
    this.allow(this.opsApi, ['*'], ['cloudwatch:GetMetricData']);
    Validations.of(this.opsApi.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData supports no resource-level permissions.',
    });
    this.branchKeyRotator = fn(
      'BranchKeyRotator',
      'branchKeyRotator',
      "Makes a new version of the data keys' branch key active, on a schedule",
      { COMMAND_TABLE: this.eventStore.tableName, KMS_KEY_ID: this.dataKeys.keyArn },
      { timeout: Duration.seconds(30), memorySize: 256 },
    );
    // Every function that builds the service learns where the other view tables are; with
    // none declared the setting is left out, and the functions stay as they were.
    if (viewTablesSetting !== undefined) {
      for (const service of [
        this.commandApi,
        this.queryApi,
        this.publisher,
        this.projector,
        this.reconciler,
        this.opsApi,
        this.branchKeyRotator,
      ]) {
        service.function.addEnvironment('VIEW_TABLES', viewTablesSetting);
      }
    }
    new BranchKeyRotation(this, 'BranchKeyRotation', {
      rotator: this.branchKeyRotator,
      eventStore: this.eventStore,
      dataKeys: this.dataKeys,
      every: props.rotateBranchKeyEvery,
    });
    new events.Rule(this, 'ReconcileSchedule', {
      description: 'Runs the reconciler over the streams changed since its last run',
      schedule: events.Schedule.rate(props.reconcileEvery ?? Duration.minutes(15)),
      targets: [new targets.LambdaFunction(this.reconciler.function, { retryAttempts: 2 })],
    });

    // ---- Stream -> publisher ---------------------------------------------------------------
    this.publisher.function.addEventSource(
      new DynamoEventSource(this.eventStore, {
        // From the oldest record still in the stream: a new mapping must not skip events.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        reportBatchItemFailures: true,
        // Batches of one shard in flight at once; Lambda keeps each key's records in order.
        parallelizationFactor: sizing.streamParallelization,
        onFailure: new SqsDlq(this.streamFailureQueue),
        // Snapshots, idempotency records and email claims share the table; only new
        // events are published.
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { itemType: { S: lambda.FilterRule.isEqual(ITEM_TYPE.event) } } },
          }),
        ],
      }),
    );
    // grantStreamRead, used by the event source, adds dynamodb:ListStreams on "*".
    Validations.of(this.publisher.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams supports no resource-level permissions; stream reads are scoped to the event store stream ARN.',
    });

    // ---- Queue -> projector ----------------------------------------------------------------
    this.projector.function.addEventSource(
      new SqsEventSource(this.projectionQueue, {
        batchSize: 10,
        maxBatchingWindow: PROJECTOR_BATCH_WINDOW,
        reportBatchItemFailures: true,
        // Bounds the write rate on the read model; the queue absorbs bursts.
        maxConcurrency: sizing.projectorMaxConcurrency,
      }),
    );

    // ---- HTTP API ------------------------------------------------------------------------
    const authorization = props.authorization ?? { type: 'iam' };
    this.serviceApi = new ServiceHttpApi(this, 'Api', {
      functions: {
        commands: this.commandApi.function,
        queries: this.queryApi.function,
        operations: this.opsApi.function,
      },
      throttle: { default: sizing.defaultRouteThrottle, byOperation: sizing.routeThrottles },
      logRetention,
    });
    this.httpApi = this.serviceApi.api;
    const stage = this.serviceApi.stage;
    let routeAuthorization: RouteAuthorization = { type: 'iam' };
    let consoleSignIn: { issuer: string; clientId: string } | undefined;
    if (authorization.type === 'jwt') {
      const scopePrefix = authorization.scopePrefix ?? '';
      routeAuthorization = {
        type: 'jwt',
        scopePrefix,
        authorizer: new HttpJwtAuthorizer('JwtAuthorizer', authorization.issuer, {
          jwtAudience: authorization.audience,
        }),
      };
      const clientId = authorization.consoleClientId ?? authorization.audience[0];
      if (clientId) consoleSignIn = { issuer: authorization.issuer, clientId };
    } else if (authorization.type === 'cognito') {
      const scopeLimiter = fn(
        'ScopeLimiter',
        'preTokenGeneration',
        "Cognito pre token generation: access tokens carry only the roles of the user's groups",
        {},
        { timeout: Duration.seconds(5), memorySize: 256 },
      );
      const signIn = new CognitoSignIn(this, 'SignIn', {
        domainPrefix: authorization.domainPrefix,
        consoleOrigin: this.serviceApi.endpoint,
        scopeLimiter: scopeLimiter.function,
        retain,
      });
      scopeLimiter.function.addEnvironment('AUTH_SCOPE_PREFIX', signIn.scopePrefix);
      this.scopeLimiter = scopeLimiter;
      this.signIn = signIn;
      routeAuthorization = {
        type: 'jwt',
        scopePrefix: signIn.scopePrefix,
        authorizer: new HttpUserPoolAuthorizer('CognitoAuthorizer', signIn.userPool, {
          userPoolClients: [signIn.consoleClient],
        }),
      };
      consoleSignIn = { issuer: signIn.issuer, clientId: signIn.consoleClient.userPoolClientId };
    }
    this.serviceApi.addRoutes(routeAuthorization);
    // The app checks each route's role again, from the claims, with the same prefix.
    const scopePrefix = routeAuthorization.type === 'jwt' ? routeAuthorization.scopePrefix : '';
    for (const service of [this.commandApi, this.queryApi, this.opsApi]) {
      service.function.addEnvironment('AUTH_SCOPE_PREFIX', scopePrefix);
    }
    // The query function serves the console, and tells it where to sign in.
    if (consoleSignIn) {
      this.queryApi.function.addEnvironment('CONSOLE_OIDC_ISSUER', consoleSignIn.issuer);
      this.queryApi.function.addEnvironment('CONSOLE_OIDC_CLIENT_ID', consoleSignIn.clientId);
    }

    // ---- Alarms --------------------------------------------------------------------------
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });
    for (const [name, queue] of [
      ['ProjectionDeadLetterQueue', this.projectionDeadLetterQueue],
      ['StreamFailureQueue', this.streamFailureQueue],
    ] as const) {
      this.alarm(`${name}NotEmpty`, `Messages waiting in ${name}: a redrive is needed`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
      });
    }
    this.alarm('StreamIteratorAge', 'The publisher is falling behind the event store stream', {
      metric: this.publisher.function.metric('IteratorAge', {
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: ITERATOR_AGE_ALARM_MS,
      evaluationPeriods: 5,
    });
    this.alarm('ProjectionLag', 'Events wait in the projection queue for over five minutes', {
      metric: this.projectionQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 300,
      evaluationPeriods: 5,
    });
    for (const [name, service] of [
      ['CommandApi', this.commandApi],
      ['QueryApi', this.queryApi],
      ['Publisher', this.publisher],
      ['Projector', this.projector],
      ['Reconciler', this.reconciler],
      ['OpsApi', this.opsApi],
      // A failed rotation leaves the active branch key version in use: worth knowing.
      ['BranchKeyRotator', this.branchKeyRotator],
      // Signing in to the console fails while it fails.
      ...(this.scopeLimiter ? [['ScopeLimiter', this.scopeLimiter] as const] : []),
    ] as const) {
      this.alarm(`${name}Errors`, `${name} invocations failed`, {
        metric: service.function.metricErrors({ period: Duration.minutes(5) }),
        threshold: 0,
      });
      this.alarm(`${name}Throttles`, `${name} invocations were throttled`, {
        metric: service.function.metricThrottles({ period: Duration.minutes(5) }),
        threshold: 0,
      });
    }

    /** One of the service's own metrics (EMF), summed over `period`. */
    const serviceSum = (metricName: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: defaults.METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: defaults.SERVICE_NAME },
        statistic: cloudwatch.Stats.SUM,
        period,
      });
    this.alarm('ViewsHealed', 'The reconciler healed views: notifications were lost', {
      metric: serviceSum(METRIC.viewsHealed, Duration.minutes(15)),
      threshold: 0,
    });
    this.alarm(
      'NotificationsRejected',
      'Queue messages named events the event store does not hold: someone sent forged notifications',
      { metric: serviceSum(METRIC.notificationsRejected, Duration.minutes(5)), threshold: 0 },
    );

    const keyRunbook = 'DataKeysDisabledOrDeleting';
    this.keyStateAlarm = new KeyStateAlarm(this, 'DataKeysState', {
      key: this.dataKeys,
      alarmTopic: this.alarmTopic,
      runbook: `docs/operations.md#${keyRunbook.toLowerCase()}`,
    });
    this.alarm(keyRunbook, 'The data keys’ key was disabled or scheduled for deletion', {
      metric: this.keyStateAlarm.metric,
      threshold: 0,
    });

    // ---- Dashboard and operator tools ---------------------------------------------------
    this.dashboard = new OperationsDashboard(this, 'Operations', {
      namespace: defaults.METRICS_NAMESPACE,
      serviceName: defaults.SERVICE_NAME,
      functions: {
        CommandApi: this.commandApi,
        QueryApi: this.queryApi,
        Publisher: this.publisher,
        Projector: this.projector,
        Reconciler: this.reconciler,
        OpsApi: this.opsApi,
      },
      publisher: this.publisher,
      projectionQueue: this.projectionQueue,
      deadLetterQueues: {
        ProjectionDeadLetterQueue: this.projectionDeadLetterQueue,
        StreamFailureQueue: this.streamFailureQueue,
      },
    });
    this.toolPolicies = new OperatorToolPolicies(this, 'OperatorTools', {
      eventStore: this.eventStore,
      bus: this.bus,
      archive,
      projectionRule: rule,
      streamFailureQueue: this.streamFailureQueue,
      projectionQueue: this.projectionQueue,
      projectionDeadLetterQueue: this.projectionDeadLetterQueue,
      liveViews: this.liveViews,
      viewTables: otherViewTableArns,
      customerViews: this.customerViews,
      dataKeys: this.dataKeys,
    });

    // ---- Who may send (defence in depth: the projector reads what it applies from the store)
    // The stream-failures tool republishes events as stored, with the service's source.
    onlyPublishersPutServiceEvents(this.bus, eventSource, [
      this.publisher.role,
      this.toolPolicies.roles.streamFailures,
    ]);
    // The operations API's redrive and `npm run dlq` move dead letters back.
    onlyRuleAndRedriveSend(this.projectionQueue, rule, [
      this.opsApi.role,
      this.toolPolicies.roles.deadLetters,
    ]);

    // ---- Outputs -------------------------------------------------------------------------
    const outputs: Record<string, string> = {
      ApiUrl: stage.url,
      EventStoreTableName: this.eventStore.tableName,
      DataKeysKeyArn: this.dataKeys.keyArn,
      CustomerViewsTableName: this.customerViews.tableName,
      LiveViewsTableName: this.liveViews.tableName,
      // The tools' VIEW_TABLES setting, when there are other view tables.
      ...(viewTablesSetting !== undefined ? { ViewTableNames: viewTablesSetting } : {}),
      EventBusName: this.bus.eventBusName,
      ProjectionQueueUrl: this.projectionQueue.queueUrl,
      ProjectionDeadLetterQueueUrl: this.projectionDeadLetterQueue.queueUrl,
      StreamFailureQueueUrl: this.streamFailureQueue.queueUrl,
      CommandFunctionName: this.commandApi.function.functionName,
      EventStoreStreamArn: this.eventStore.tableStreamArn ?? '',
      EventArchiveName: archive.archiveName,
      ProjectionRuleName: rule.ruleName,
      AlarmTopicArn: this.alarmTopic.topic.topicArn,
      DashboardName: this.dashboard.dashboard.dashboardName,
      ReconcilerFunctionName: this.reconciler.function.functionName,
      StreamFailuresToolPolicyArn: this.toolPolicies.streamFailures.managedPolicyArn,
      ReplayToolPolicyArn: this.toolPolicies.replay.managedPolicyArn,
      BlueGreenRebuildToolPolicyArn: this.toolPolicies.blueGreenRebuild.managedPolicyArn,
      DeadLettersToolPolicyArn: this.toolPolicies.deadLetters.managedPolicyArn,
      ViewsMaintenanceToolPolicyArn: this.toolPolicies.viewsMaintenance.managedPolicyArn,
      EncryptLegacyToolPolicyArn: this.toolPolicies.encryptLegacy.managedPolicyArn,
      RetireViewsToolPolicyArn: this.toolPolicies.retireViews.managedPolicyArn,
      RotateBranchKeyToolPolicyArn: this.toolPolicies.rotateBranchKey.managedPolicyArn,
      BranchKeyRotatorFunctionName: this.branchKeyRotator.function.functionName,
    };
    for (const tool of OPERATOR_TOOLS) {
      const name = `${tool.charAt(0).toUpperCase()}${tool.slice(1)}ToolRoleArn`;
      outputs[name] = this.toolPolicies.roles[tool].roleArn;
    }
    for (const [role, policy] of this.serviceApi.rolePolicies) {
      outputs[`${roleIdentifier(role)}InvokePolicyArn`] = policy.managedPolicyArn;
    }
    if (this.signIn) {
      outputs.UserPoolId = this.signIn.userPool.userPoolId;
      outputs.ConsoleClientId = this.signIn.consoleClient.userPoolClientId;
      outputs.SignInIssuer = this.signIn.issuer;
      outputs.HostedUiUrl = this.signIn.hostedUiUrl;
    }
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }

  private queue(id: string, props: sqs.QueueProps): sqs.Queue {
    return new sqs.Queue(this, id, {
      ...props,
      // SQS-managed keys: EventBridge can deliver to them without a key policy.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
  }

  private allowDataKeys(target: ServiceFunction, actions: DataKeyAction[]): void {
    allowDataKeyUse(this.dataKeys, target.role, actions);
  }

  private allow(target: ServiceFunction, resources: string[], actions: string[]): void {
    target.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
  }

  private alarm(
    id: string,
    description: string,
    props: { metric: cloudwatch.IMetric; threshold: number; evaluationPeriods?: number },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: `${description}. Runbook: docs/operations.md#${id.toLowerCase()}`,
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Someone hears when it fires and when it is over.
    alarm.addAlarmAction(this.alarmTopic.action);
    alarm.addOkAction(this.alarmTopic.action);
    this.alarms.push(alarm);
  }
}
