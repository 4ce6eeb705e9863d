import { Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHANGE_INDEX } from '../src/adapters/dynamodb/event-store-keys.js';
import { BRANCH_KEY_PK_PREFIX } from '../src/adapters/dynamodb/wrapped-key-items.js';
import {
  allowDataKeyUse,
  BRANCH_KEY_ROTATION,
  dataKeyStatements,
  dataKeyUses,
} from './data-key-policy.js';

/** Green view tables of a blue/green rebuild are named with this prefix, so a policy can name them. */
export const GREEN_VIEWS_TABLE_PREFIX = 'customer-views-';

export interface OperatorToolPoliciesProps {
  eventStore: dynamodb.Table;
  bus: events.EventBus;
  archive: events.Archive;
  projectionRule: events.Rule;
  streamFailureQueue: sqs.Queue;
  projectionQueue: sqs.Queue;
  projectionDeadLetterQueue: sqs.Queue;
  /** The view table in use, which `audit:views` and `rebuild` read and catch up. */
  liveViews: dynamodb.ITable;
  /** The ARNs of the other declared view tables, which they audit and catch up too. */
  viewTables: readonly string[];
  /** The stack's own view table: retired (by `retire-views`) once a green table is live. */
  customerViews: dynamodb.ITable;
  /** The key wrapping the customers' data keys: audits and rebuilds fold decrypted events. */
  dataKeys: kms.Key;
}

export const OPERATOR_TOOLS = [
  'streamFailures',
  'replay',
  'blueGreenRebuild',
  'deadLetters',
  'viewsMaintenance',
  'encryptLegacy',
  'retireViews',
  'rotateBranchKey',
] as const;
export type OperatorTool = (typeof OPERATOR_TOOLS)[number];

/**
 * One managed policy per operations tool, holding exactly what it calls, and one role per
 * tool with that policy, assumable from within the account. The roles are what the bus,
 * queue and key policies name: only the stream-failures role may republish the service's
 * events, only the dead-letters role (beside the operations function) may send to the
 * projection queue, only the rebuild and maintenance roles may decrypt.
 */
export class OperatorToolPolicies extends Construct {
  readonly streamFailures: iam.ManagedPolicy;
  readonly replay: iam.ManagedPolicy;
  readonly blueGreenRebuild: iam.ManagedPolicy;
  readonly deadLetters: iam.ManagedPolicy;
  readonly viewsMaintenance: iam.ManagedPolicy;
  readonly encryptLegacy: iam.ManagedPolicy;
  readonly retireViews: iam.ManagedPolicy;
  readonly rotateBranchKey: iam.ManagedPolicy;
  readonly roles: Record<OperatorTool, iam.Role>;

  constructor(scope: Construct, id: string, props: OperatorToolPoliciesProps) {
    super(scope, id);
    const { eventStore, bus } = props;
    const changeIndex = `${eventStore.tableArn}/index/${CHANGE_INDEX}`;
    // A tool that works a queue off: receive, hold, delete, and see its depth.
    const consume = (queue: sqs.IQueue) =>
      new iam.PolicyStatement({
        actions: [
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        resources: [queue.queueArn],
      });
    // Rebuilds and audits fold every stream: Scan for the streams, Query their events,
    // GetItem their wrapped data keys and the branch key versions, and unwrap those under
    // the data-key and branch-key conditions.
    const foldEveryStream = () => [
      new iam.PolicyStatement({
        actions: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem'],
        resources: [eventStore.tableArn],
      }),
      ...dataKeyStatements(props.dataKeys, dataKeyUses(['kms:Decrypt'])),
    ];
    const readEvents = new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: [eventStore.tableArn, changeIndex],
    });

    this.streamFailures = new iam.ManagedPolicy(this, 'StreamFailures', {
      description: 'npm run stream-failures: read the failure records, re-read and republish',
      statements: [
        consume(props.streamFailureQueue),
        new iam.PolicyStatement({
          actions: ['dynamodb:GetShardIterator', 'dynamodb:GetRecords'],
          resources: [eventStore.tableStreamArn ?? eventStore.tableArn],
        }),
        readEvents,
        new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
      ],
    });

    const { region, account } = Stack.of(this);
    this.replay = new iam.ManagedPolicy(this, 'Replay', {
      description: 'npm run replay: replay the archive to the projection rule',
      statements: [
        new iam.PolicyStatement({
          actions: ['events:DescribeEventBus'],
          resources: [bus.eventBusArn],
        }),
        new iam.PolicyStatement({
          actions: ['events:DescribeArchive'],
          resources: [props.archive.archiveArn],
        }),
        new iam.PolicyStatement({
          actions: ['events:DescribeRule'],
          resources: [props.projectionRule.ruleArn],
        }),
        new iam.PolicyStatement({
          actions: ['events:StartReplay', 'events:DescribeReplay'],
          // Replays are named by the tool; their ARNs exist only once started.
          resources: [props.archive.archiveArn, `arn:aws:events:${region}:${account}:replay/*`],
        }),
      ],
    });

    const green = `arn:aws:dynamodb:${region}:${account}:table/${GREEN_VIEWS_TABLE_PREFIX}*`;
    this.blueGreenRebuild = new iam.ManagedPolicy(this, 'BlueGreenRebuild', {
      description: 'npm run rebuild -- --into <table>: build a fresh view table from the events',
      statements: [
        ...foldEveryStream(),
        new iam.PolicyStatement({
          actions: [
            'dynamodb:CreateTable',
            'dynamodb:DescribeTable',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
          ],
          resources: [green],
        }),
      ],
    });

    this.deadLetters = new iam.ManagedPolicy(this, 'DeadLetters', {
      description: 'npm run dlq: list, redrive or drop the projection dead letters',
      statements: [
        consume(props.projectionDeadLetterQueue),
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
          resources: [props.projectionQueue.queueArn],
        }),
        // `list --diagnose` reads each letter's stream as the projector would: its events,
        // its wrapped data key and the branch key versions, unwrapped under their conditions.
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [eventStore.tableArn],
        }),
        ...dataKeyStatements(props.dataKeys, dataKeyUses(['kms:Decrypt'])),
      ],
    });

    this.viewsMaintenance = new iam.ManagedPolicy(this, 'ViewsMaintenance', {
      description:
        'npm run audit:views and npm run rebuild: fold every stream against its view, catch views up',
      statements: [
        ...foldEveryStream(),
        // View writes are conditional puts on the version read, as the projector's.
        new iam.PolicyStatement({
          actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:PutItem'],
          resources: [props.liveViews.tableArn, ...props.viewTables],
        }),
      ],
    });

    this.encryptLegacy = new iam.ManagedPolicy(this, 'EncryptLegacy', {
      description:
        'npm run encrypt-legacy: encrypt streams written before encryption in place, replace their plaintext claims',
      statements: [
        // Scan for the streams; rewrite their events (UpdateItem), write their data keys and
        // hashed claims, release the plaintext claims, in transactions checked per item.
        new iam.PolicyStatement({
          actions: [
            'dynamodb:Scan',
            'dynamodb:Query',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:ConditionCheckItem',
          ],
          resources: [eventStore.tableArn],
        }),
        ...dataKeyStatements(props.dataKeys, dataKeyUses(['kms:GenerateDataKey', 'kms:Decrypt'])),
      ],
    });

    // Reads the active version and writes the next one (a transaction of two puts), only on
    // branch key items, and has KMS make the new version's material: it decrypts nothing.
    const branchKeyItems = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${BRANCH_KEY_PK_PREFIX}*`] },
    };
    this.rotateBranchKey = new iam.ManagedPolicy(this, 'RotateBranchKey', {
      description:
        "npm run rotate-branch-key: make a new version of the data keys' branch key active",
      statements: [
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          resources: [eventStore.tableArn],
          conditions: branchKeyItems,
        }),
        ...dataKeyStatements(props.dataKeys, BRANCH_KEY_ROTATION),
      ],
    });

    // After a blue/green switch the stack's own table, or an older green one, is retired.
    const retirable = [props.customerViews.tableArn, green];
    this.retireViews = new iam.ManagedPolicy(this, 'RetireViews', {
      description:
        'npm run retire-views: erase every item of a retired view table, or delete the table',
      statements: [
        new iam.PolicyStatement({
          actions: [
            'dynamodb:DescribeTable',
            'dynamodb:Scan',
            'dynamodb:BatchWriteItem',
            'dynamodb:DeleteTable',
          ],
          resources: retirable,
        }),
        // Never the table the service reads: the tool refuses it too, this makes it sure.
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          actions: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteTable'],
          resources: [props.liveViews.tableArn],
        }),
      ],
    });

    const policies: Record<OperatorTool, iam.ManagedPolicy> = {
      streamFailures: this.streamFailures,
      replay: this.replay,
      blueGreenRebuild: this.blueGreenRebuild,
      deadLetters: this.deadLetters,
      viewsMaintenance: this.viewsMaintenance,
      encryptLegacy: this.encryptLegacy,
      retireViews: this.retireViews,
      rotateBranchKey: this.rotateBranchKey,
    };
    const roleId = (tool: OperatorTool) => `${tool.charAt(0).toUpperCase()}${tool.slice(1)}Role`;
    const roleFor = (tool: OperatorTool) => {
      const role = new iam.Role(this, roleId(tool), {
        assumedBy: new iam.AccountPrincipal(account),
        description: `Operator role for one tool: ${policies[tool].description}`.slice(0, 1000),
      });
      // Attached from the policy's side: the key policy names the role, and the policy the
      // key, so the role must not depend on the policy.
      policies[tool].attachToRole(role);
      return role;
    };
    this.roles = Object.fromEntries(OPERATOR_TOOLS.map((tool) => [tool, roleFor(tool)])) as Record<
      OperatorTool,
      iam.Role
    >;
    // The key names who may use it; the managed policies already hold the identity side.
    // The dead-letters role decrypts only for `dlq list --diagnose`.
    for (const tool of ['blueGreenRebuild', 'viewsMaintenance', 'deadLetters'] as const) {
      allowDataKeyUse(props.dataKeys, this.roles[tool], ['kms:Decrypt'], { identityPolicy: false });
    }
    allowDataKeyUse(
      props.dataKeys,
      this.roles.encryptLegacy,
      ['kms:GenerateDataKey', 'kms:Decrypt'],
      { identityPolicy: false },
    );
    allowDataKeyUse(props.dataKeys, this.roles.rotateBranchKey, BRANCH_KEY_ROTATION, {
      identityPolicy: false,
    });

    // Both name resources that do not exist yet, so only a pattern can name them. cdk-nag
    // names a finding by the ARN as synthesised: a concrete region or account (an `env`
    // stack) appears as itself, an unresolved one as `<AWS::…>`.
    const shown = (value: string, pseudo: string) =>
      Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
    const arnPrefix = (service: string) =>
      `arn:aws:${service}:${shown(region, 'Region')}:${shown(account, 'AccountId')}`;
    Validations.of(this.replay).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnPrefix('events')}:replay/*]`,
      reason: 'Replays are created by the tool itself; their names are only known when started.',
    });
    Validations.of(this.retireViews).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnPrefix('dynamodb')}:table/${GREEN_VIEWS_TABLE_PREFIX}*]`,
      reason: 'Green view tables are created by the rebuild tool, under a fixed name prefix.',
    });
    Validations.of(this.blueGreenRebuild).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnPrefix('dynamodb')}:table/${GREEN_VIEWS_TABLE_PREFIX}*]`,
      reason: 'Green view tables are created by the tool, under a fixed name prefix.',
    });
  }
}
