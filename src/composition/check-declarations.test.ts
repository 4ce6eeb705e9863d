import { describe, expect, it } from 'vitest';
import { customerViewsTable } from '../adapters/dynamodb/table-definitions.js';
import { customerModule } from '../app/customer/module.js';
import type { AggregateDeclaration } from './aggregate-module.js';
import { AGGREGATES } from './aggregates.js';
import { AggregateDeclarationError, checkDeclarations } from './check-declarations.js';

const order: AggregateDeclaration = {
  type: 'Order',
  streamPrefix: 'ORDER',
  eventTypes: ['OrderPlaced', 'OrderCancelled', 'OrderShipped'],
  viewTables: [{ id: 'OrderViews', definition: customerViewsTable }],
};

const refused = (aggregates: readonly AggregateDeclaration[]): string => {
  try {
    checkDeclarations(aggregates);
  } catch (error) {
    expect(error).toBeInstanceOf(AggregateDeclarationError);
    return (error as Error).message;
  }
  throw new Error('the declarations were accepted');
};

describe('checkDeclarations', () => {
  it("accepts the service's own list, and a second aggregate beside it", () => {
    expect(() => checkDeclarations(AGGREGATES)).not.toThrow();
    expect(() => checkDeclarations([...AGGREGATES, order])).not.toThrow();
  });

  it('refuses an empty list', () => {
    expect(refused([])).toMatch(/No aggregate is declared/);
  });

  it('refuses a type declared twice', () => {
    expect(refused([customerModule, { ...order, type: 'Customer' }])).toBe(
      'Aggregate type "Customer" is declared by Customer twice',
    );
  });

  it('refuses a stream prefix two aggregates share, naming both', () => {
    expect(refused([customerModule, { ...order, streamPrefix: 'CUSTOMER' }])).toBe(
      'Stream prefix "CUSTOMER" is declared by Customer and Order',
    );
  });

  it('refuses a prefix with the # the store adds, as the Order trial wrote it', () => {
    expect(refused([customerModule, { ...order, streamPrefix: 'ORDER#' }])).toMatch(
      /Order's stream prefix "ORDER#" must be letters, digits, _ or - \(the store adds the #\)/,
    );
  });

  it("refuses a prefix the event store's other items live under", () => {
    for (const prefix of ['COMMAND', 'UNIQUE', 'CHECKPOINT', 'KEY', 'BRANCH_KEY']) {
      expect(refused([customerModule, { ...order, streamPrefix: prefix }])).toMatch(
        `Order's stream prefix "${prefix}" is the event store's own`,
      );
    }
  });

  it('refuses an event type two aggregates declare, or one declares twice', () => {
    expect(
      refused([customerModule, { ...order, eventTypes: ['OrderPlaced', 'CustomerSuspended'] }]),
    ).toBe('Event type "CustomerSuspended" is declared by Customer and Order');
    expect(refused([{ ...order, eventTypes: ['OrderPlaced', 'OrderPlaced'] }])).toBe(
      'Event type "OrderPlaced" is declared by Order twice',
    );
    expect(refused([{ ...order, eventTypes: [] }])).toBe('Order declares no event types');
  });

  it('refuses a view table id two aggregates declare, and ids no table can be named by', () => {
    const sharing = { ...order, viewTables: [{ id: 'views', definition: customerViewsTable }] };
    expect(refused([customerModule, sharing])).toBe(
      'View table id "views" is declared by Customer and Order',
    );
    for (const id of ['Order-Views', '9Views', 'ab']) {
      const badId = { ...order, viewTables: [{ id, definition: customerViewsTable }] };
      expect(refused([customerModule, badId])).toMatch(`Order's view table id "${id}"`);
    }
  });
});
