/**
 * The local EventBridge stand-in; its parts live in `./eventbridge/`, one file per job.
 * This module keeps the entry point the runtime and the tests import.
 */
export type {
  EventBridgeRule,
  EventBridgeRuleTarget,
  RuleState,
  TargetRetryPolicy,
} from './eventbridge/catalog.js';
export {
  EventBridgeStandInError,
  InvalidEventPatternError,
  InvalidRuleError,
} from './eventbridge/errors.js';
export type { EventPattern } from './eventbridge/event-pattern.js';
export { UnreadableRuleFileError } from './eventbridge/rule-file.js';
export {
  type EventBridgeStandIn,
  type EventBridgeStandInOptions,
  type EventBridgeStandInStats,
  startEventBridgeStandIn,
} from './eventbridge/stand-in.js';
