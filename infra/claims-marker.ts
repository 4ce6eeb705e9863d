import { type CfnElement, CustomResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { HASHED_CLAIMS_ONLY_KEY } from '../src/adapters/dynamodb/hashed-claims-marker.js';
import type { ServiceFunction } from './service-function.js';

export interface ClaimsMarkerProps {
  /** The function that marks (`src/lambda/claims-marker.ts`). */
  marker: ServiceFunction;
  eventStore: dynamodb.ITable;
  logRetention: logs.RetentionDays;
}

/**
 * Marks the event store "hashed email claims only" when the stack creates it, so a stack
 * deployed fresh never pays for checking plaintext claims (docs/privacy.md). The resource is
 * created once: on a fresh stack with its table, on an upgrade beside a table full of events,
 * which the function then leaves unmarked.
 */
export class ClaimsMarker extends Construct {
  constructor(scope: Construct, id: string, props: ClaimsMarkerProps) {
    super(scope, id);
    // Two items of a scan tell an empty table from a used one; the only write is the marker.
    props.marker.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Scan'],
        resources: [props.eventStore.tableArn],
      }),
    );
    props.marker.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.eventStore.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [HASHED_CLAIMS_ONLY_KEY.PK] },
        },
      }),
    );
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.marker.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    new CustomResource(this, 'Marker', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::HashedClaimsMarker',
      properties: { TableName: props.eventStore.tableName },
    });
    const markerFunctionId = Stack.of(this).getLogicalId(
      props.marker.function.node.defaultChild as CfnElement,
    );
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's provider framework function: writes its own logs only.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${markerFunctionId}.Arn>:*]`,
        reason: "CDK's provider framework invokes the marker function's versions.",
      },
      {
        id: 'AwsSolutions-L1',
        reason: "CDK's provider framework chooses its own runtime.",
      },
    );
  }
}
