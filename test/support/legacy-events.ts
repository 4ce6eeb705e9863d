/**
 * An event item in the plaintext layout streams had before encryption (schema version 1,
 * PII fields in the clear), to put straight into the event store table.
 */
export const legacyEventItem = (
  aggregateId: string,
  version: number,
  eventType: string,
  payload: unknown,
) => ({
  PK: `CUSTOMER#${aggregateId}`,
  SK: `EVENT#${String(version).padStart(10, '0')}`,
  itemType: 'EVENT',
  eventId: `${aggregateId}-${version}`,
  aggregateId,
  eventType,
  payload,
  timestamp: new Date(Date.UTC(2025, 5, 1, 0, 0, version)).toISOString(),
  version,
  metadata: { correlationId: `legacy-${aggregateId}`, schemaVersion: 1 },
});
