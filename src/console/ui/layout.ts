import { type ComponentChildren, h } from 'preact';
import { may } from './auth/session.js';

const links = [
  { href: '/console', label: 'Customers', shown: () => true },
  { href: '/console/dlq', label: 'Dead letters', shown: () => may('ops:read') },
  { href: '/docs', label: 'API reference', shown: () => true },
];

const isCurrent = (href: string, path: string): boolean =>
  href === '/console'
    ? path === '/console' || path.startsWith('/console/customers')
    : path === href;

/** Who the console acts as: the signed-in user with a sign-out, or the open local mode. */
export type Identity =
  | { kind: 'user'; name: string; subject: string; onSignOut: () => void }
  | { kind: 'open' }
  | { kind: 'none' };

const Who = (props: { identity: Identity }) => {
  const { identity } = props;
  if (identity.kind === 'none') return null;
  if (identity.kind === 'open') {
    return h('p', { class: 'who' }, h('span', null, 'Open local mode: no sign-in'));
  }
  return h(
    'p',
    { class: 'who' },
    h(
      'span',
      { title: identity.name === identity.subject ? undefined : `subject ${identity.subject}` },
      'Signed in as ',
      h('strong', { class: 'user' }, identity.name),
    ),
    h('button', { type: 'button', class: 'sign-out', onClick: identity.onSignOut }, 'Sign out'),
  );
};

/** The frame of every page: a skip link, the navigation, who is signed in, and the page. */
export const Layout = (props: {
  title: string;
  path: string;
  identity?: Identity;
  children?: ComponentChildren;
}) =>
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
          links
            .filter((link) => link.shown())
            .map((link) =>
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
      h(Who, { identity: props.identity ?? { kind: 'none' } }),
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

/** What a role-gated part of a page says in place of what the user may not see. */
export const NeedsRole = (props: { role: string; what: string }) =>
  h('p', { class: 'muted needs-role' }, `${props.what} needs the role ${props.role}.`);
