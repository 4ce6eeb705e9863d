import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type CustomerPage, describeError, getJson } from '../api.js';
import { may } from '../auth/session.js';
import { customerPath, formatTime } from '../format.js';
import { HealthPanel } from '../health-panel.js';
import { NeedsRole, Status } from '../layout.js';
import {
  pagePath,
  type Query,
  SEARCH_BY,
  type SearchBy,
  type StatusFilter,
} from './customer-search.js';

const PAGE_SIZE = 20;

/** `/console`: customers by status, or by email or domain, a page at a time; pipeline health. */
export const CustomersPage = () =>
  h(
    'div',
    { class: 'customers' },
    may('customers:read')
      ? h(CustomerList, null)
      : h(
          'section',
          { class: 'panel', 'aria-labelledby': 'customers-title' },
          h('h2', { id: 'customers-title' }, 'Customers'),
          h(NeedsRole, { role: 'customers:read', what: 'The customer list' }),
        ),
    may('ops:read')
      ? h(HealthPanel, null)
      : h(
          'section',
          { class: 'panel', 'aria-labelledby': 'health-title' },
          h('h2', { id: 'health-title' }, 'Pipeline health'),
          h(NeedsRole, { role: 'ops:read', what: 'The pipeline health' }),
        ),
  );

const CustomerList = () => {
  const [query, setQuery] = useState<Query>({
    status: 'ACTIVE',
    by: 'prefix',
    text: '',
    cursors: [undefined],
  });
  const [draft, setDraft] = useState({
    status: 'ACTIVE' as StatusFilter,
    by: 'prefix' as SearchBy,
    text: '',
  });
  const [page, setPage] = useState<CustomerPage | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let current = true;
    setError(undefined);
    getJson<CustomerPage>(pagePath(query, PAGE_SIZE))
      .then((answer) => current && setPage(answer))
      .catch((failure) => {
        if (!current) return;
        setPage(undefined);
        setError(describeError(failure));
      });
    return () => {
      current = false;
    };
  }, [query]);

  const searching = query.text.trim() !== '';
  // A search spans every status; the filter then narrows the page shown.
  const items = (page?.items ?? []).filter((c) => !searching || c.status === query.status);

  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'customers-title' },
    h('h2', { id: 'customers-title' }, 'Customers'),
    h(
      'form',
      {
        class: 'filters',
        role: 'search',
        onSubmit: (event: Event) => {
          event.preventDefault();
          setQuery({ ...draft, cursors: [undefined] });
        },
      },
      h(
        'label',
        null,
        'Status',
        h(
          'select',
          {
            name: 'status',
            value: draft.status,
            onChange: (event: Event) => {
              const status = (event.currentTarget as HTMLSelectElement).value as StatusFilter;
              setDraft({ ...draft, status });
              setQuery({ ...query, status, cursors: [undefined] });
            },
          },
          h('option', { value: 'ACTIVE' }, 'Active'),
          h('option', { value: 'SUSPENDED' }, 'Suspended'),
        ),
      ),
      h(
        'label',
        null,
        'Search by',
        h(
          'select',
          {
            name: 'by',
            value: draft.by,
            onChange: (event: Event) =>
              setDraft({
                ...draft,
                by: (event.currentTarget as HTMLSelectElement).value as SearchBy,
              }),
          },
          SEARCH_BY.map(({ value, label }) => h('option', { value, key: value }, label)),
        ),
      ),
      h(
        'label',
        null,
        SEARCH_BY.find(({ value }) => value === draft.by)?.label ?? 'Search',
        h('input', {
          type: 'search',
          name: 'search',
          autocomplete: 'off',
          spellcheck: false,
          value: draft.text,
          onInput: (event: Event) =>
            setDraft({ ...draft, text: (event.currentTarget as HTMLInputElement).value }),
        }),
      ),
      h('button', { type: 'submit' }, 'Search'),
    ),
    h(Status, { error }),
    h(
      'table',
      { class: 'list' },
      h('caption', { class: 'sr-only' }, 'Customers'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Name', 'Email', 'Status', 'Registered', 'Version'].map((title) =>
            h('th', { scope: 'col', key: title }, title),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        items.length === 0
          ? h(
              'tr',
              null,
              h('td', { colSpan: 5, class: 'muted' }, page ? 'No customers' : 'Loading…'),
            )
          : items.map((customer) =>
              h(
                'tr',
                { key: customer.customerId },
                h(
                  'td',
                  { 'data-label': 'Name' },
                  h('a', { href: customerPath(customer.customerId) }, customer.name),
                ),
                h('td', { 'data-label': 'Email' }, customer.email),
                h(
                  'td',
                  { 'data-label': 'Status' },
                  h('span', { class: `badge ${customer.status.toLowerCase()}` }, customer.status),
                ),
                h('td', { 'data-label': 'Registered' }, formatTime(customer.registrationDate)),
                h('td', { 'data-label': 'Version' }, String(customer.version)),
              ),
            ),
      ),
    ),
    h(
      'div',
      { class: 'pager' },
      h(
        'button',
        {
          type: 'button',
          disabled: query.cursors.length <= 1,
          onClick: () => setQuery({ ...query, cursors: query.cursors.slice(0, -1) }),
        },
        'Previous page',
      ),
      h('span', null, `Page ${query.cursors.length}`),
      h(
        'button',
        {
          type: 'button',
          disabled: !page?.nextCursor,
          onClick: () => setQuery({ ...query, cursors: [...query.cursors, page?.nextCursor] }),
        },
        'Next page',
      ),
    ),
  );
};
