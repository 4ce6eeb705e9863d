import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.js';

/** The calls that make every customer's personal data unreadable, if they go through. */
export const KEY_STATE_CALLS = ['DisableKey', 'ScheduleKeyDeletion'] as const;

export interface KeyStateAlarmProps {
  key: kms.IKey;
  alarmTopic: AlarmTopic;
  /** Where the notification sends the reader: the alarm's runbook entry. */
  runbook: string;
}

/**
 * Someone disabled the key or scheduled its deletion: CloudTrail records the call, and a
 * rule on the account's default bus matches it for this key alone (by the ARN CloudTrail
 * lists in `resources`) and notifies the alarm topic with who, what and when. `metric`
 * counts the matches, for a CloudWatch alarm beside the others.
 */
export class KeyStateAlarm extends Construct {
  readonly rule: events.Rule;
  readonly metric: cloudwatch.IMetric;

  constructor(scope: Construct, id: string, props: KeyStateAlarmProps) {
    super(scope, id);
    props.alarmTopic.allowEventBridge();
    this.rule = new events.Rule(this, 'Rule', {
      description: 'The data keys’ key was disabled or scheduled for deletion',
      eventPattern: {
        source: ['aws.kms'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: [...KEY_STATE_CALLS],
          resources: { ARN: [props.key.keyArn] },
        },
      },
    });
    const message = events.RuleTargetInput.fromObject({
      alarm: 'The data keys’ key was disabled or scheduled for deletion',
      call: events.EventField.fromPath('$.detail.eventName'),
      by: events.EventField.fromPath('$.detail.userIdentity.arn'),
      at: events.EventField.fromPath('$.detail.eventTime'),
      key: props.key.keyArn,
      runbook: props.runbook,
    });
    // CDK's SnsTopic target would let any rule publish; this topic takes this rule alone.
    this.rule.addTarget({ bind: () => ({ arn: props.alarmTopic.topic.topicArn, input: message }) });
    props.alarmTopic.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'KeyStateRulePublishes',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.alarmTopic.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
      }),
    );
    this.metric = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensionsMap: { RuleName: this.rule.ruleName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
  }
}
