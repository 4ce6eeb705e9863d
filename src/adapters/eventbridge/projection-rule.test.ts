import { describe, expect, it } from 'vitest';
import { customerEventTypes } from '../../domain/customer/events.js';
import { PROJECTION_RULE_NAME, projectionRule, serviceEventsPattern } from './projection-rule.js';

describe('the projection rule', () => {
  it('is named once and matches the configured source and every Customer event type', () => {
    const rule = projectionRule({ source: 'acme.customers' });
    expect(rule.name).toBe('customer-events-to-projection');
    expect(PROJECTION_RULE_NAME).toBe(rule.name);
    expect(rule.eventPattern).toEqual({
      source: ['acme.customers'],
      'detail-type': [...customerEventTypes],
    });
    // The types the projection folds today, whatever joins the union later.
    expect(rule.eventPattern['detail-type']).toEqual(
      expect.arrayContaining([
        'CustomerRegistered',
        'CustomerEmailUpdated',
        'CustomerSuspended',
        'CustomerReactivated',
      ]),
    );
  });

  it('hands out its own arrays: a caller changing one cannot change the next rule', () => {
    const first = projectionRule({ source: 's' });
    first.eventPattern['detail-type'].push('Injected');
    first.eventPattern.source.push('other');
    expect(projectionRule({ source: 's' }).eventPattern).toEqual({
      source: ['s'],
      'detail-type': [...customerEventTypes],
    });
    expect(customerEventTypes).not.toContain('Injected');
  });

  it('the archive pattern is the source alone, the rule pattern narrows it', () => {
    expect(serviceEventsPattern('acme.customers')).toEqual({ source: ['acme.customers'] });
    const { eventPattern } = projectionRule({ source: 'acme.customers' });
    expect(eventPattern.source).toEqual(serviceEventsPattern('acme.customers').source);
  });
});
