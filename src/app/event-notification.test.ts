import { describe, expect, it } from 'vitest';
import { MalformedNotificationError, parseEventNotification } from './event-notification.js';

/** An SQS body as an EventBridge rule target delivers it: `detail` is an object. */
const body = (detail: Record<string, unknown>) =>
  JSON.stringify({
    version: '0',
    id: 'eb-1',
    'detail-type': detail.eventType,
    source: 'customer.service',
    account: '000000000000',
    time: '2026-12-01T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });

const full = {
  eventId: 'e-3',
  aggregateId: 'o-1',
  eventType: 'OrderPlaced',
  payload: { total: 3 },
  timestamp: '2026-12-01T10:00:00.000Z',
  version: 3,
  metadata: { correlationId: 'corr-3', schemaVersion: 1 },
};

const thin = {
  thin: true,
  aggregateId: 'o-1',
  version: 3,
  eventType: 'OrderPlaced',
  eventId: 'e-3',
  timestamp: '2026-12-01T10:00:00.000Z',
  correlationId: 'corr-3',
};

describe('parseEventNotification', () => {
  it('reads the stream type of a full detail', () => {
    expect(parseEventNotification(body({ ...full, aggregateType: 'Order' }))).toEqual({
      aggregateType: 'Order',
      aggregateId: 'o-1',
      version: 3,
      eventType: 'OrderPlaced',
      timestamp: '2026-12-01T10:00:00.000Z',
      correlationId: 'corr-3',
      thin: false,
    });
  });

  it('reads the stream type of a thin detail', () => {
    expect(parseEventNotification(body({ ...thin, aggregateType: 'Order' }))).toEqual({
      aggregateType: 'Order',
      aggregateId: 'o-1',
      version: 3,
      eventType: 'OrderPlaced',
      timestamp: '2026-12-01T10:00:00.000Z',
      correlationId: 'corr-3',
      thin: true,
    });
  });

  it('reads a full or thin detail published before the type travelled as a Customer', () => {
    expect(parseEventNotification(body(full)).aggregateType).toBe('Customer');
    const { timestamp: _t, correlationId: _c, ...oldestThin } = thin;
    expect(parseEventNotification(body(oldestThin))).toEqual({
      aggregateType: 'Customer',
      aggregateId: 'o-1',
      version: 3,
      eventType: 'OrderPlaced',
      thin: true,
    });
  });

  it('refuses an empty or non-text stream type', () => {
    for (const aggregateType of ['', 7]) {
      expect(() => parseEventNotification(body({ ...full, aggregateType }))).toThrow(
        MalformedNotificationError,
      );
      expect(() => parseEventNotification(body({ ...thin, aggregateType }))).toThrow(
        MalformedNotificationError,
      );
    }
  });
});
