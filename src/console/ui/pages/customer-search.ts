/** What the customer list shows: a status's customers, or a search across every status. */
export type StatusFilter = 'ACTIVE' | 'SUSPENDED';

/** How the search box is read, as `/customers/search` takes it. */
export type SearchBy = 'prefix' | 'exact' | 'domain';

export const SEARCH_BY: readonly { value: SearchBy; label: string }[] = [
  { value: 'prefix', label: 'Email starts with' },
  { value: 'exact', label: 'Exact email' },
  { value: 'domain', label: 'Domain' },
];

export interface Query {
  status: StatusFilter;
  by: SearchBy;
  text: string;
  /** Cursors of the pages before this one; the last is this page's. */
  cursors: (string | undefined)[];
}

/** The API path of the page `query` names. */
export const pagePath = (query: Query, pageSize: number): string => {
  const cursor = query.cursors.at(-1);
  const params = new URLSearchParams({ limit: String(pageSize) });
  if (cursor) params.set('cursor', cursor);
  const text = query.text.trim();
  if (text === '') {
    params.set('status', query.status);
    return `/customers?${params}`;
  }
  if (query.by === 'domain') {
    params.set('domain', text);
  } else {
    params.set('email', text);
    if (query.by === 'exact') params.set('match', 'exact');
  }
  return `/customers/search?${params}`;
};
