import { describe, expect, it } from 'vitest';
import type { AggregateDeclaration } from '../../composition/aggregate-module.js';
import { AGGREGATES } from '../../composition/aggregates.js';
import { AggregateDeclarationError } from '../../composition/check-declarations.js';
import { customerEventTypes } from '../../domain/customer/events.js';
import { customerViewsTable } from '../dynamodb/table-definitions.js';
import { PROJECTION_RULE_NAME, projectionRule, serviceEventsPattern } from './projection-rule.js';

/** A second aggregate, declared here alone. */
const loyalty: AggregateDeclaration = {
  type: 'LoyaltyAccount',
  streamPrefix: 'LOYALTY',
  eventTypes: ['LoyaltyAccountOpened', 'PointsEarned'],
  viewTables: [{ id: 'LoyaltyViews', definition: customerViewsTable }],
};

describe('the projection rule', () => {
  it('is named once and matches the configured source and every Customer event type', () => {
    const rule = projectionRule({ source: 'acme.customers', aggregates: AGGREGATES });
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

  it("matches the union of every declared aggregate's event types", () => {
    const rule = projectionRule({ source: 's', aggregates: [...AGGREGATES, loyalty] });
    expect(rule.eventPattern['detail-type']).toEqual([
      ...customerEventTypes,
      'LoyaltyAccountOpened',
      'PointsEarned',
    ]);
  });

  it('refuses an event type two aggregates declare, naming both', () => {
    const thief = { ...loyalty, eventTypes: ['PointsEarned', 'CustomerRegistered'] };
    expect(() => projectionRule({ source: 's', aggregates: [...AGGREGATES, thief] })).toThrow(
      AggregateDeclarationError,
    );
    expect(() => projectionRule({ source: 's', aggregates: [...AGGREGATES, thief] })).toThrow(
      'Event type "CustomerRegistered" is declared by Customer and LoyaltyAccount',
    );
  });

  it('hands out its own arrays: a caller changing one cannot change the next rule', () => {
    const first = projectionRule({ source: 's', aggregates: AGGREGATES });
    first.eventPattern['detail-type'].push('Injected');
    first.eventPattern.source.push('other');
    expect(projectionRule({ source: 's', aggregates: AGGREGATES }).eventPattern).toEqual({
      source: ['s'],
      'detail-type': [...customerEventTypes],
    });
    expect(customerEventTypes).not.toContain('Injected');
  });

  it('the archive pattern is the source alone, the rule pattern narrows it', () => {
    expect(serviceEventsPattern('acme.customers')).toEqual({ source: ['acme.customers'] });
    const { eventPattern } = projectionRule({
      source: 'acme.customers',
      aggregates: AGGREGATES,
    });
    expect(eventPattern.source).toEqual(serviceEventsPattern('acme.customers').source);
  });
});
