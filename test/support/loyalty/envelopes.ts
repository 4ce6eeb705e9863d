import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '../../../src/core/event.js';
import { loyaltyDeclaration } from './declaration.js';

/**
 * A loyalty event as the store keeps it, for writing straight to a stream: an older schema
 * version, or a payload the command side would never write.
 */
export const loyaltyEnvelope = (
  aggregateId: string,
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion = 1,
): EventEnvelope => ({
  eventId: randomUUID(),
  aggregateType: loyaltyDeclaration.type,
  aggregateId,
  eventType,
  payload,
  timestamp: new Date().toISOString(),
  version,
  metadata: { correlationId: `${aggregateId}-${version}`, schemaVersion },
});
