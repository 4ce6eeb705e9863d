import type { AggregateDeclaration } from '../../composition/aggregate-module.js';
import { checkDeclarations } from '../../composition/check-declarations.js';

/**
 * The bus rule that feeds the projection queue, defined once for the CDK stack and the
 * local EventBridge stand-in, so the pattern tested locally is the pattern deployed.
 * Patterns are written as EventBridge stores them (`detail-type`, not CDK's `detailType`).
 */
export interface ProjectionRule {
  name: string;
  description: string;
  eventPattern: { source: string[]; 'detail-type': string[] };
  /**
   * How long EventBridge keeps retrying the queue target before the event goes to the
   * projection's dead-letter queue (the same queue the projector gives up into).
   */
  targetRetryPolicy: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
}

/** Named when the Customer was the only aggregate; renaming would replace the deployed rule. */
export const PROJECTION_RULE_NAME = 'customer-events-to-projection';

/** Every event the service publishes, whatever its type: what the archive keeps for replay. */
export const serviceEventsPattern = (source: string): { source: string[] } => ({
  source: [source],
});

/**
 * Only the event types the projections fold reach their queue: the union of the declared
 * aggregates' event types, so a new aggregate or event type joins the rule the day it is
 * declared. A list that cannot be registered (an event type declared twice, say) is refused
 * here too, before any rule exists.
 */
export const projectionRule = (options: {
  source: string;
  aggregates: readonly AggregateDeclaration[];
}): ProjectionRule => {
  checkDeclarations(options.aggregates);
  return {
    name: PROJECTION_RULE_NAME,
    description: 'Every event of the declared aggregates to the projection queue',
    eventPattern: {
      ...serviceEventsPattern(options.source),
      'detail-type': options.aggregates.flatMap((aggregate) => aggregate.eventTypes),
    },
    targetRetryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 24 * 60 * 60 },
  };
};
