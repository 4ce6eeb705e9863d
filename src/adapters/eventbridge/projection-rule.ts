import { customerEventTypes } from '../../domain/customer/events.js';

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

export const PROJECTION_RULE_NAME = 'customer-events-to-projection';

/** Every event the service publishes, whatever its type: what the archive keeps for replay. */
export const serviceEventsPattern = (source: string): { source: string[] } => ({
  source: [source],
});

/**
 * Only the event types the projection folds reach its queue; the list follows the domain's
 * union, so a new event type joins the rule the day it joins the union.
 */
export const projectionRule = (options: { source: string }): ProjectionRule => ({
  name: PROJECTION_RULE_NAME,
  description: 'Every customer event to the projection queue',
  eventPattern: {
    ...serviceEventsPattern(options.source),
    'detail-type': [...customerEventTypes],
  },
  targetRetryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 24 * 60 * 60 },
});
