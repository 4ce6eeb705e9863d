import { UNTYPED_STREAM_TYPE } from './event.js';

/**
 * The subject whose data key encrypts a stream's personal data: what the key store, the
 * field cipher's binding and forgetting are keyed by. Ids are unique within a type only, so
 * a stream of any type is keyed `<type>#<id>`, except a Customer's: it keeps the bare id
 * its key has been stored under since before streams had types. Customer ids hold no `#`,
 * so the two forms never meet.
 */
export const subjectOf = (aggregateType: string, aggregateId: string): string =>
  aggregateType === UNTYPED_STREAM_TYPE ? aggregateId : `${aggregateType}#${aggregateId}`;
