/** Base of every error the local EventBridge stand-in raises. */
export class EventBridgeStandInError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventBridgeStandInError';
  }
}

/** A rule given to the stand-in that EventBridge's PutRule or PutTargets would refuse. */
export class InvalidRuleError extends EventBridgeStandInError {
  constructor(
    readonly field: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Rule is not valid at ${field}: ${reason}`, options);
    this.name = 'InvalidRuleError';
  }
}

/**
 * An event pattern EventBridge would refuse, with its message (`reason` is event-ruler's);
 * `field` is the dotted path of the offence.
 */
export class InvalidEventPatternError extends EventBridgeStandInError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.name = 'InvalidEventPatternError';
  }
}

/** A bus or rule looked up that does not exist; answered as `ResourceNotFoundException`. */
export class UnknownResourceError extends EventBridgeStandInError {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownResourceError';
  }
}
