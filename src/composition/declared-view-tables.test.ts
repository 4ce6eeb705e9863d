import { describe, expect, it } from 'vitest';
import { customerViewsTable, eventStoreTable } from '../adapters/dynamodb/table-definitions.js';
import { readConfig } from '../config.js';
import type { AggregateDeclaration } from './aggregate-module.js';
import { AGGREGATES } from './aggregates.js';
import { declaredViewTables, withViewTableNames } from './declared-view-tables.js';

const ledger: AggregateDeclaration = {
  type: 'Ledger',
  streamPrefix: 'LEDGER',
  eventTypes: ['LedgerOpened'],
  viewTables: [
    { id: 'LedgerViews', definition: customerViewsTable },
    { id: 'LedgerTotals', definition: eventStoreTable },
  ],
};

describe('the declared view tables', () => {
  it("are today's views table alone for the service's own list, named by QUERY_TABLE", () => {
    const config = withViewTableNames(
      readConfig({ QUERY_TABLE: 'views-1' }),
      AGGREGATES,
      (id) => id,
    );
    expect(config.VIEW_TABLES).toEqual({});
    expect(declaredViewTables(config, AGGREGATES)).toEqual([
      { id: 'views', name: 'views-1', definition: customerViewsTable },
    ]);
  });

  it('name every other declared table, keeping the names the settings already give', () => {
    const given = readConfig({
      QUERY_TABLE: 'views-1',
      VIEW_TABLES: '{"LedgerTotals":"totals-blue"}',
    });
    const config = withViewTableNames(given, [...AGGREGATES, ledger], (id) => `${id}-x`);
    expect(config.VIEW_TABLES).toEqual({
      LedgerViews: 'LedgerViews-x',
      LedgerTotals: 'totals-blue',
    });
    expect(declaredViewTables(config, [...AGGREGATES, ledger])).toEqual([
      { id: 'views', name: 'views-1', definition: customerViewsTable },
      { id: 'LedgerViews', name: 'LedgerViews-x', definition: customerViewsTable },
      { id: 'LedgerTotals', name: 'totals-blue', definition: eventStoreTable },
    ]);
  });

  it('refuse to name a declared table the settings leave unnamed', () => {
    expect(() => declaredViewTables(readConfig({}), [ledger])).toThrow(
      'VIEW_TABLES names no table for the view table "LedgerViews"',
    );
  });
});
