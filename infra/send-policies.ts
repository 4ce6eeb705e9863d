import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Defence in depth on the bus: whatever IAM policies say, no principal but `publishers` may
 * put events with the service's source. `events:source` holds every entry's source of a
 * `PutEvents` call, hence `ForAnyValue`. The deny concerns requests signed by an IAM
 * principal (`aws:PrincipalArn` present): the archive's replays are delivered by EventBridge
 * itself, and the replay tool only calls `StartReplay`.
 */
export const onlyPublishersPutServiceEvents = (
  bus: events.EventBus,
  source: string,
  publishers: iam.IRole[],
): void => {
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyPublishersPutServiceEvents',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        'ForAnyValue:StringEquals': { 'events:source': [source] },
        ArnNotEquals: { 'aws:PrincipalArn': publishers.map((role) => role.roleArn) },
        Null: { 'aws:PrincipalArn': 'false' },
      },
    }),
  );
};

/**
 * Defence in depth on the projection queue: only the bus rule (EventBridge, with the rule as
 * `aws:SourceArn`) and the named redrive roles may send to it. Both conditions must hold for
 * the deny, so either exemption is enough.
 */
export const onlyRuleAndRedriveSend = (
  queue: sqs.Queue,
  rule: events.IRule,
  redrivers: iam.IRole[],
): void => {
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheRuleAndRedriveSend',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: {
        ArnNotEquals: {
          'aws:SourceArn': rule.ruleArn,
          'aws:PrincipalArn': redrivers.map((role) => role.roleArn),
        },
      },
    }),
  );
};
