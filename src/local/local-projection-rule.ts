import { projectionRule } from '../adapters/eventbridge/projection-rule.js';
import type { AggregateDeclaration } from '../composition/aggregate-module.js';

/** The queues of the local SQS emulator the projection rule delivers to. */
export interface ProjectionQueues {
  queueArn: string;
  queueUrl: string;
  dlqArn: string;
}

/**
 * The stack's projection rule as the EventBridge stand-in takes it: the service's events on
 * the service's bus, delivered to the projection queue. `Target0` is the id CDK gives the
 * stack's queue target; its retry policy and dead-letter queue are the stack's.
 */
export const localProjectionRule = (options: {
  source: string;
  /** The declared aggregates, whose event types the rule routes. */
  aggregates: readonly AggregateDeclaration[];
  eventBusName: string;
  queues: ProjectionQueues;
}) => {
  const { targetRetryPolicy, ...rule } = projectionRule({
    source: options.source,
    aggregates: options.aggregates,
  });
  return {
    ...rule,
    eventBusName: options.eventBusName,
    targets: [
      {
        id: 'Target0',
        arn: options.queues.queueArn,
        queueUrl: options.queues.queueUrl,
        retryPolicy: targetRetryPolicy,
        deadLetterArn: options.queues.dlqArn,
      },
    ],
  };
};
