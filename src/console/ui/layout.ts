import { type ComponentChildren, h } from 'preact';

const links = [
  { href: '/console', label: 'Customers' },
  { href: '/console/dlq', label: 'Dead letters' },
  { href: '/docs', label: 'API reference' },
];

const isCurrent = (href: string, path: string): boolean =>
  href === '/console'
    ? path === '/console' || path.startsWith('/console/customers')
    : path === href;

/** The frame of every page: a skip link, the navigation, and the page's main region. */
export const Layout = (props: { title: string; path: string; children?: ComponentChildren }) =>
  h(
    'div',
    { class: 'frame' },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'Customer service'),
      h(
        'nav',
        { 'aria-label': 'Console' },
        h(
          'ul',
          null,
          links.map((link) =>
            h(
              'li',
              { key: link.href },
              h(
                'a',
                {
                  href: link.href,
                  ...(isCurrent(link.href, props.path) ? { 'aria-current': 'page' } : {}),
                },
                link.label,
              ),
            ),
          ),
        ),
      ),
    ),
    h('main', { id: 'main', tabIndex: -1 }, h('h1', null, props.title), props.children),
  );

/** A message read out by screen readers when it changes. */
export const Status = (props: { error?: string | undefined; info?: string | undefined }) =>
  h(
    'div',
    { class: 'status', role: 'status', 'aria-live': 'polite' },
    props.error ? h('p', { class: 'error' }, props.error) : null,
    props.info ? h('p', { class: 'info' }, props.info) : null,
  );
