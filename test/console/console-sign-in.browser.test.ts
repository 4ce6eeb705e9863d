import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { JoseTokenVerifier } from '../../src/adapters/jose/jose-token-verifier.js';
import { ROLES } from '../../src/app/access/roles.js';
import { customerModule } from '../../src/app/customer/module.js';
import { createQueryRoutes } from '../../src/app/customer/query-routes.js';
import { bearerTokenAccess } from '../../src/app/http/access-guard.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { consoleSignInFrom } from '../../src/app/http/console-sign-in.js';
import { freePort } from '../../src/local/free-port.js';
import { type RunningHttpServer, serveHttp } from '../../src/local/http-server.js';
import { type LocalConsole, startLocalConsole } from '../../src/local/local-console.js';
import { devToolToken } from '../../src/local/oidc/dev-tool-token.js';
import { type LocalAuth, startLocalAuth } from '../../src/local/oidc/local-auth.js';
import { LOCAL_API_AUDIENCE } from '../../src/local/oidc/local-identities.js';
import { type LocalIssuer, startLocalIssuer } from '../../src/local/oidc/local-issuer.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { localClientConfig } from '../support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';
import { launchWatchedBrowser, type WatchedBrowser } from './browser.js';

/** Views and pages follow the store asynchronously; on a busy machine that takes seconds. */
const POLL = { timeout: 10_000 };

/** With `CONSOLE_SCREENSHOTS=<folder>`, the signed-in pages are also saved there. */
const SHOTS = process.env.CONSOLE_SCREENSHOTS;
const WIDE = 1400;

/**
 * The console signing in for real: the local OpenID issuer (oidc-provider), the service
 * checking bearer tokens as `npm start -- --auth=oidc` does, Chromium going through the
 * issuer's sign-in page and back with an authorization code and PKCE.
 */
describe('operator console signed in, in Chromium', () => {
  let auth: LocalAuth;
  let issuer: LocalIssuer;
  let runtime: LocalRuntime;
  let operator: LocalConsole;
  let server: RunningHttpServer;
  let watched: WatchedBrowser;
  const logLines: string[] = [];
  const record = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    logLines.push(
      JSON.stringify({ level, message, extra }, (_k, v) => (v instanceof Error ? v.message : v)),
    );
  const logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const tag = randomUUID().slice(0, 8);
  let customerId = '';
  let config: ReturnType<typeof configWithOwnTables>;
  /** Every token a page was seen sending, to look for in logs and URLs. */
  const tokensSeen = new Set<string>();
  /** Tokens the service refuses from now on (401), as it would an expired one. */
  const revoked = new Set<string>();
  /** Each time a page was sent to the issuer's authorization endpoint. */
  const issuerTrips: string[] = [];
  /** Every URL the pages navigated to, the issuer's included. */
  const navigations: string[] = [];

  beforeAll(async () => {
    // The issuer's redirect URIs name the service's port, so that port is chosen first.
    const httpPort = await freePort();
    auth = await startLocalAuth({ port: 0, httpPort });
    issuer = auth.issuer;
    config = { ...configWithOwnTables(), ...auth.consoleSettings };
    runtime = await startLocalRuntime({
      config,
      dynamodb: localClientConfig(inject('dynamoEndpoint')),
      drainTimeoutMs: 0,
      logger,
    });
    operator = await startLocalConsole(runtime);
    // As `--auth=oidc` checks tokens (its verifier), and refuses those the test revoked.
    const verifier = new JoseTokenVerifier({ issuer: issuer.issuer, audience: LOCAL_API_AUDIENCE });
    const verify = async (token: string) =>
      revoked.has(token)
        ? ({ valid: false, reason: 'the token was revoked' } as const)
        : verifier.verify(token);
    server = await serveHttp(
      runtime.service.httpApp(
        { commands: true, queries: true },
        { ...operator.extras, authenticate: bearerTokenAccess({ verify }) },
      ),
      { port: httpPort },
    );
    watched = await launchWatchedBrowser(server.url);
  });
  afterAll(async () => {
    await watched?.close();
    await server?.close();
    await operator?.close();
    await runtime?.stop();
    await auth?.stop();
    if (config) await dropTables(config);
  });
  afterEach(() => {
    expect(watched.problems).toEqual([]);
    expect(watched.escaped).toEqual([]);
  });

  const shoot = async (page: Page, name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  /** The API as the development tool, with every role: to set up and to read the store. */
  const api = async (method: string, path: string, body?: unknown) => {
    const token = await devToolToken(issuer.issuer, ROLES);
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const storedEvents = async () =>
    (await api('GET', `/customers/${customerId}/events`)).body.events as Array<{
      eventType: string;
      metadata: { actor?: { kind: string; id: string; clientId?: string } };
    }>;

  /** Opens `path` signed out: the console sends the browser to the issuer; sign in there. */
  const signIn = async (
    context: BrowserContext,
    user: string,
    path: string,
    at: { service: string; issuer: string } = { service: server.url, issuer: issuer.issuer },
  ) => {
    const page = await watched.newPage(WIDE, context);
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
    page.on('request', (request) => {
      // `/auth` is where a sign-in starts (`/auth/<uid>` resumes one after the form).
      if (request.isNavigationRequest() && request.url().startsWith(`${at.issuer}/auth?`)) {
        issuerTrips.push(request.url());
      }
      const token = /^Bearer (.+)$/.exec(request.headers().authorization ?? '')?.[1];
      if (token) tokensSeen.add(token);
    });
    await page.goto(`${at.service}${path}`);
    await page.waitForURL(`${at.issuer}/interaction/**`);
    await page.getByLabel('User').fill(user);
    await page.getByLabel('Password (any)').fill('any password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${at.service}${path}`);
    await page.locator('.who .user', { hasText: user }).waitFor();
    return page;
  };

  it('sends a visitor to the issuer, and back to the page asked for, signed in as reader', async () => {
    const registered = await api('POST', '/customers', {
      email: `grace.${tag}@example.com`,
      name: 'Grace Hopper',
    });
    expect(registered.status).toBe(201);
    customerId = registered.body.customerId as string;
    await runtime.waitUntilIdle();

    const settings = await (await fetch(`${server.url}/console/auth.json`)).json();
    expect(settings).toMatchObject({ issuer: issuer.issuer, clientId: 'console' });
    const context = await watched.newContext();
    const page = await signIn(context, 'reader', `/console/customers/${customerId}`);
    // The reader sees the customer, not what the role does not allow.
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
    expect(await page.getByRole('button', { name: 'Forget…' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Suspend', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reactivate' }).count()).toBe(0);
    await page.getByText('The event history needs the role customers:history.').waitFor();
    await page.getByText('The audit needs the role ops:read.').waitFor();
    expect(await page.getByRole('link', { name: 'Dead letters' }).count()).toBe(0);
    // The token sits in memory only: not in storage, not in a cookie, not in the URL.
    const kept = await page.evaluate(
      '({ local: localStorage.length, session: sessionStorage.length, cookies: document.cookie })',
    );
    expect(kept).toEqual({ local: 0, session: 0, cookies: '' });
    // Cookies know no port: the issuer's session cookies (127.0.0.1) are all there is.
    const cookies = await context.cookies(server.url);
    expect(cookies.map((c) => c.name).filter((name) => !name.startsWith('_session'))).toEqual([]);
    expect(cookies.filter((c) => [...tokensSeen].some((t) => c.value.includes(t)))).toEqual([]);
    expect(page.url()).toBe(`${server.url}/console/customers/${customerId}`);
    await shoot(page, 'signed-in-reader');

    // A forged erasure from the page, with the reader's own token: refused, nothing written.
    const readerToken = [...tokensSeen].at(-1) ?? '';
    expect(readerToken).not.toBe('');
    const forged = await page.evaluate(
      async ({ id, token }) => {
        const response = await fetch(`/customers/${id}`, {
          method: 'DELETE',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'x-console-request': '1',
          },
        });
        return { status: response.status, body: await response.json() };
      },
      { id: customerId, token: readerToken },
    );
    expect(forged.status).toBe(403);
    expect(forged.body).toMatchObject({ error: { code: 'MISSING_ROLE' } });
    expect((await storedEvents()).map((e) => e.eventType)).toEqual(['CustomerRegistered']);

    // Moving between pages keeps the sign-in: no new trip to the issuer.
    const tripsBefore = issuerTrips.length;
    await page.getByRole('link', { name: 'Customers', exact: true }).click();
    await page.waitForURL(`${server.url}/console`);
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    await page.getByText('The pipeline health needs the role ops:read.').waitFor();
    await page.getByRole('link', { name: 'Grace Hopper' }).click();
    await page.waitForURL(`${server.url}/console/customers/${customerId}`);
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
    await page.goBack();
    await page.waitForURL(`${server.url}/console`);
    await page.locator('.who .user', { hasText: 'reader' }).waitFor();
    expect(issuerTrips.length).toBe(tripsBefore);
    await context.close();
  });

  it('lets the operator forget the customer: the stream and the timeline name who asked', async () => {
    const context = await watched.newContext();
    const page = await signIn(context, 'operator', `/console/customers/${customerId}`);
    await page.locator('.timeline .event').first().waitFor();
    await page.getByRole('button', { name: 'Forget…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Forget this customer?' });
    await dialog.getByLabel('I understand this cannot be undone').check();
    await dialog.getByRole('button', { name: 'Forget customer' }).click();
    await page.getByRole('heading', { name: 'Forgotten customer' }).waitFor();

    const events = await storedEvents();
    expect(events.map((e) => e.eventType)).toEqual(['CustomerRegistered', 'CustomerForgotten']);
    expect(events[1]?.metadata.actor).toEqual({ kind: 'jwt', id: 'operator', clientId: 'console' });
    // The registration was the development tool's; the erasure, the operator's.
    expect(events[0]?.metadata.actor).toEqual({
      kind: 'jwt',
      id: 'dev-tool',
      clientId: 'dev-tool',
    });
    await expect
      .poll(() => page.locator('.timeline .event .actor').allTextContents(), POLL)
      .toEqual(['jwt: dev-tool (client dev-tool)', 'jwt: operator (client console)']);
    expect(await page.locator('.summary .actor').textContent()).toBe(
      'jwt: operator (client console)',
    );
    await shoot(page, 'signed-in-operator-forgotten');
    await context.close();
  });

  it('signs in again when the service refuses the token (401), back on the same page', async () => {
    const context = await watched.newContext();
    const path = `/console/customers/${customerId}`;
    const page = await signIn(context, 'historian', path);
    await page.locator('.timeline .event').first().waitFor();
    const first = [...tokensSeen].at(-1) ?? '';
    revoked.add(first);
    const trips = () => issuerTrips.length;
    const tripsBefore = trips();
    await page.getByRole('button', { name: 'Refresh' }).click();
    // The issuer's session is still alive: a redirect there and back, no sign-in form.
    await expect.poll(trips, POLL).toBe(tripsBefore + 1);
    await page.waitForURL(`${server.url}${path}`);
    await page.locator('.timeline .event').first().waitFor();
    await page.locator('.who .user', { hasText: 'historian' }).waitFor();
    expect([...tokensSeen].at(-1)).not.toBe(first);
    await context.close();
  });

  it('signs in again before the token expires, without waiting for a refusal', async () => {
    // A second service on the same store, whose issuer's tokens live 32 s: 2 s after a
    // sign-in a token is within the console's 30 s margin, though the service still takes it.
    const httpPort = await freePort();
    const shortLived = await startLocalIssuer({ port: 0, httpPort, accessTokenTtlSeconds: 32 });
    const verifier = new JoseTokenVerifier({
      issuer: shortLived.issuer,
      audience: LOCAL_API_AUDIENCE,
    });
    const second = await serveHttp(
      createHttpApp({
        queries: [createQueryRoutes(runtime.service.aggregate(customerModule).queries)],
        ...operator.extras,
        consoleSignIn: consoleSignInFrom({
          CONSOLE_OIDC_ISSUER: shortLived.issuer,
          CONSOLE_OIDC_CLIENT_ID: 'console',
          AUTH_SCOPE_PREFIX: '',
        }),
        authenticate: bearerTokenAccess({ verify: verifier.verify }),
      }),
      { port: httpPort },
    );
    const context = await watched.newContext();
    try {
      const at = { service: second.url, issuer: shortLived.issuer };
      const path = `/console/customers/${customerId}`;
      const page = await signIn(context, 'reader', path, at);
      const refused: string[] = [];
      page.on('response', (response) => {
        if (response.status() === 401) refused.push(response.url());
      });
      await page.getByRole('heading', { name: 'Forgotten customer' }).waitFor();
      const tripsBefore = issuerTrips.length;
      await page.waitForTimeout(2500);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect.poll(() => issuerTrips.length, POLL).toBe(tripsBefore + 1);
      await page.waitForURL(`${second.url}${path}`);
      await page.getByRole('heading', { name: 'Forgotten customer' }).waitFor();
      await page.locator('.who .user', { hasText: 'reader' }).waitFor();
      expect(refused).toEqual([]);
    } finally {
      await context.close();
      await second.close();
      await shortLived.stop();
    }
  });

  it('says so when the issuer cannot be reached, and offers to try again', async () => {
    const deadIssuer = `http://127.0.0.1:${await freePort()}`;
    const lost = await serveHttp(
      createHttpApp({
        ...operator.extras,
        consoleSignIn: consoleSignInFrom({
          CONSOLE_OIDC_ISSUER: deadIssuer,
          CONSOLE_OIDC_CLIENT_ID: 'console',
          AUTH_SCOPE_PREFIX: '',
        }),
      }),
      { port: 0 },
    );
    const context = await watched.newContext();
    try {
      const page = await watched.newPage(WIDE, context);
      await page.goto(`${lost.url}/console`);
      await page.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
      expect(await page.locator('.status .error').textContent()).toContain(
        'The issuer cannot be reached',
      );
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(page.url()).toBe(`${lost.url}/console`);
    } finally {
      await context.close();
      await lost.close();
    }
  });

  it('signs out: the token is forgotten and the issuer is asked to end its session', async () => {
    const context = await watched.newContext();
    const page = await signIn(context, 'ops-reader', '/console/dlq');
    await page.getByRole('heading', { name: /^Dead letters \(/ }).waitFor();
    await page.getByText('A redrive needs the role ops:write.').waitFor();
    expect(await page.getByRole('button', { name: 'Redrive all' }).count()).toBe(0);
    let endSession: URL | undefined;
    page.on('request', (request) => {
      if (request.url().startsWith(`${issuer.issuer}/session/end?`)) {
        endSession ??= new URL(request.url());
      }
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    // The issuer's session is over: back on the console, the visitor must sign in afresh.
    await page.waitForURL(/\/interaction\//);
    expect(endSession?.searchParams.get('client_id')).toBe('console');
    expect(endSession?.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/console`);
    await context.close();
  });

  it('logged no token, and sent none in a URL', () => {
    expect(tokensSeen.size).toBeGreaterThanOrEqual(3);
    for (const token of tokensSeen) {
      expect(logLines.filter((line) => line.includes(token))).toEqual([]);
      expect([...navigations, ...issuerTrips].filter((url) => url.includes(token))).toEqual([]);
    }
    // Each sign-in asked for every role's scope with PKCE (S256); none sent a secret.
    for (const trip of issuerTrips) {
      const asked = new URL(trip).searchParams;
      expect(asked.get('code_challenge_method')).toBe('S256');
      expect(asked.get('scope')?.split(' ').sort()).toEqual([...ROLES, 'openid'].sort());
      expect(asked.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/signed-in$/);
      expect(asked.has('client_secret')).toBe(false);
    }
    expect(logLines.some((line) => line.includes('jwt:operator client:console'))).toBe(true);
  });
});
