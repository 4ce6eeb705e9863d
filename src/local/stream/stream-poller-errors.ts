/** Base of every error the local stream poller raises. */
export class StreamPollerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamPollerError';
  }
}

/** The table to follow has no stream, or its stream is disabled. */
export class StreamNotEnabledError extends StreamPollerError {
  constructor(readonly tableName: string) {
    super(`Table ${tableName} has no stream enabled`);
    this.name = 'StreamNotEnabledError';
  }
}

/** An option out of its range; `field` names it. */
export class InvalidStreamPollerOptionError extends StreamPollerError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`Stream poller option ${field} ${reason}`);
    this.name = 'InvalidStreamPollerOptionError';
  }
}

/** The checkpoint file exists but cannot be read as one. */
export class UnreadableCheckpointError extends StreamPollerError {
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`Unreadable stream checkpoint ${file}`, options);
    this.name = 'UnreadableCheckpointError';
  }
}

/** A stream record holds an attribute value of a kind Lambda's event shape has no name for. */
export class UnsupportedAttributeValueError extends StreamPollerError {
  constructor(readonly keys: string[]) {
    super(`Unsupported attribute value: ${JSON.stringify(keys)}`);
    this.name = 'UnsupportedAttributeValueError';
  }
}

/** `waitUntilIdle` on a poller that is not running, or that did not get idle in time. */
export class StreamPollerNotIdleError extends StreamPollerError {
  constructor(message: string) {
    super(message);
    this.name = 'StreamPollerNotIdleError';
  }
}
