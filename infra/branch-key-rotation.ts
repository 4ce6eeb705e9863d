import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BRANCH_KEY_PK_PREFIX } from '../src/adapters/dynamodb/wrapped-key-items.js';
import { allowDataKeyUse, BRANCH_KEY_ROTATION } from './data-key-policy.js';
import type { ServiceFunction } from './service-function.js';

export interface BranchKeyRotationProps {
  /** The function that rotates (`src/lambda/branch-key-rotator.ts`). */
  rotator: ServiceFunction;
  eventStore: dynamodb.ITable;
  dataKeys: kms.Key;
  every?: Duration | undefined;
}

/** The default rotation period of the data keys' branch key. */
export const BRANCH_KEY_ROTATION_PERIOD = Duration.days(30);

/**
 * The branch key's scheduled rotation: an EventBridge rule starts a function of its own, which
 * may only read and write branch key items and have KMS make a new version's material. It
 * decrypts nothing, so it can never read a data key.
 */
export class BranchKeyRotation extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: BranchKeyRotationProps) {
    super(scope, id);
    const { role } = props.rotator;
    // `activate` is a transaction of two puts, authorised as PutItem per item.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [props.eventStore.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${BRANCH_KEY_PK_PREFIX}*`] },
        },
      }),
    );
    allowDataKeyUse(props.dataKeys, role, BRANCH_KEY_ROTATION);
    this.rule = new events.Rule(this, 'Schedule', {
      description: "Makes a new version of the data keys' branch key active",
      schedule: events.Schedule.rate(props.every ?? BRANCH_KEY_ROTATION_PERIOD),
      targets: [new targets.LambdaFunction(props.rotator.function, { retryAttempts: 2 })],
    });
  }
}
