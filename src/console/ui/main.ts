import './console.css';
import 'uplot/dist/uPlot.min.css';
import { type ComponentChildren, h, render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  CONSOLE_REDIRECT_PATH,
  type ConsoleSignInSettings,
} from '../../app/http/console-sign-in.js';
import { describeError, getJson } from './api.js';
import { requireSignIn } from './auth/bearer.js';
import { currentSession, openSession } from './auth/session.js';
import { completeSignIn, type IssuerSettings, signIn, signOut } from './auth/sign-in.js';
import { type Identity, Layout, Status } from './layout.js';
import { CustomerPage } from './pages/customer-page.js';
import { CustomersPage } from './pages/customers-page.js';
import { DeadLettersPage } from './pages/dlq-page.js';
import { interceptLinks, navigate, usePath } from './router.js';

/** The console's pages share one bundle; the path picks the page. */
const page = (path: string) => {
  const customer = /^\/console\/customers\/([^/]+)\/?$/.exec(path);
  if (customer?.[1]) {
    const id = decodeURIComponent(customer[1]);
    return { title: 'Customer', body: h(CustomerPage, { customerId: id, key: path }) };
  }
  if (/^\/console\/dlq\/?$/.test(path))
    return { title: 'Dead letters', body: h(DeadLettersPage, { key: path }) };
  return { title: 'Customers and pipeline', body: h(CustomersPage, { key: path }) };
};

/** Nothing but a message, while signing in or when it failed. */
const Notice = (props: { title: string; error?: string; children?: ComponentChildren }) => {
  useEffect(() => {
    document.title = `${props.title} · Customer console`;
  }, [props.title]);
  return h(
    Layout,
    { title: props.title, path: window.location.pathname },
    h(Status, { error: props.error }),
    props.children,
  );
};

const SignInAgain = () =>
  h('button', { type: 'button', onClick: () => window.location.assign('/console') }, 'Sign in');

const Console = (props: { settings: IssuerSettings | undefined }) => {
  const path = usePath();
  const [signedOut, setSignedOut] = useState(false);
  const { title, body } = page(path);
  useEffect(() => {
    document.title = `${title} · Customer console`;
  }, [title]);
  // A page reached from a link starts at its top, with the focus on its content.
  const shown = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (shown.current !== undefined && shown.current !== path) {
      window.scrollTo(0, 0);
      document.getElementById('main')?.focus();
    }
    shown.current = path;
  }, [path]);

  if (signedOut) {
    return h(
      Notice,
      { title: 'Signed out' },
      h('p', null, 'The console has forgotten your token.'),
      h(SignInAgain, null),
    );
  }
  const session = currentSession();
  const { settings } = props;
  const identity: Identity =
    session === 'open' || !settings || session === undefined
      ? { kind: 'open' }
      : {
          kind: 'user',
          name: session.userName ?? session.subject,
          subject: session.subject,
          onSignOut: () => {
            void signOut(settings).then((left) => !left && setSignedOut(true));
          },
        };
  return h(Layout, { title, path, identity }, body);
};

/**
 * Reads the sign-in settings, then: open mode (no issuer), or back from the issuer with a
 * code (exchange it, then show the page the sign-in started from), or off to the issuer.
 */
const start = async (root: HTMLElement) => {
  interceptLinks();
  let settings: ConsoleSignInSettings;
  try {
    settings = await getJson<ConsoleSignInSettings>('/console/auth.json');
  } catch (error) {
    render(h(Notice, { title: 'Console unavailable', error: describeError(error) }), root);
    return;
  }
  if (settings.issuer === null) {
    openSession();
    render(h(Console, { settings: undefined }), root);
    return;
  }
  requireSignIn(settings);
  render(h(Notice, { title: 'Signing in…' }), root);
  try {
    if (window.location.pathname !== CONSOLE_REDIRECT_PATH) await signIn(settings);
    navigate(await completeSignIn(settings), { replace: true });
  } catch (error) {
    render(
      h(Notice, { title: 'Sign-in failed', error: describeError(error) }, h(SignInAgain, null)),
      root,
    );
    return;
  }
  render(h(Console, { settings }), root);
};

const root = document.getElementById('app');
if (root) void start(root);
