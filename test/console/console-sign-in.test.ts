import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/app/access/roles.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { InMemoryConsoleAssets } from '../../src/app/http/console-assets.js';
import { PUBLIC_PATHS } from '../../src/app/http/console-routes.js';
import {
  type ConsoleSignInSettings,
  consoleSignInFrom,
} from '../../src/app/http/console-sign-in.js';
import { sessionFrom } from '../../src/console/ui/auth/session.js';

const assets = new InMemoryConsoleAssets(new Map([['console.js', 'console.log(1)']]));
const appWith = (consoleSignIn?: ConsoleSignInSettings) =>
  createHttpApp({ console: assets, ...(consoleSignIn ? { consoleSignIn } : {}) });

const connectSrc = (response: Response) =>
  (response.headers.get('content-security-policy') ?? '')
    .split('; ')
    .find((d) => d.startsWith('connect-src'));

/** A stand-in issuer serving only its discovery document, as Cognito's is shaped. */
const servers: Server[] = [];
const discoveryServer = async (tokenEndpoint: (issuer: string) => string, port = 0) => {
  const server = createServer((request, response) => {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (request.url !== '/.well-known/openid-configuration') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: tokenEndpoint(issuer),
        jwks_uri: `${issuer}/jwks`,
      }),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('the console’s sign-in settings', () => {
  it('are {"issuer": null} without an issuer, and the page may fetch from itself only', async () => {
    const app = appWith();
    const settings = await app.request('/console/auth.json');
    expect(settings.status).toBe(200);
    expect(await settings.json()).toEqual({ issuer: null });
    expect(connectSrc(await app.request('/console'))).toBe("connect-src 'self'");
  });

  it('name the issuer, the client and every role’s scope with the prefix, plus openid', async () => {
    const settings = consoleSignInFrom({
      CONSOLE_OIDC_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool',
      CONSOLE_OIDC_CLIENT_ID: 'console-client',
      AUTH_SCOPE_PREFIX: 'customer-service/',
    });
    const answer = await (await appWith(settings).request('/console/auth.json')).json();
    expect(answer).toEqual({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool',
      clientId: 'console-client',
      scopes: [...ROLES.map((role) => `customer-service/${role}`), 'openid'],
      scopePrefix: 'customer-service/',
    });
  });

  it('refuse an issuer without a client, naming both settings', () => {
    expect(() =>
      consoleSignInFrom({ CONSOLE_OIDC_ISSUER: 'http://127.0.0.1:9400', AUTH_SCOPE_PREFIX: '' }),
    ).toThrow(/CONSOLE_OIDC_ISSUER is set but CONSOLE_OIDC_CLIENT_ID is not/);
  });

  it('are public, as the page that the issuer sends the browser back to', () => {
    // `/console/{proxy+}` covers /console/auth.json and /console/signed-in on API Gateway.
    expect(PUBLIC_PATHS).toContain('/console/{proxy+}');
  });
});

describe('the console page’s CSP with sign-in on', () => {
  it('allows the issuer and its token endpoint’s origin (Cognito’s hosted UI), nothing else', async () => {
    const issuer = await discoveryServer(
      () => 'https://pool.auth.eu-west-1.amazoncognito.com/oauth2/token',
    );
    const app = appWith({ issuer, clientId: 'console', scopes: ['openid'], scopePrefix: '' });
    for (const path of [
      '/console',
      '/console/signed-in',
      '/console/customers/c-1',
      '/console/dlq',
    ]) {
      const page = await app.request(path);
      expect(page.status, path).toBe(200);
      expect(connectSrc(page), path).toBe(
        `connect-src 'self' ${issuer} https://pool.auth.eu-west-1.amazoncognito.com`,
      );
    }
    // The API reference signs in to nothing.
    expect(connectSrc(await app.request('/docs'))).toBe("connect-src 'self'");
  });

  it('allows one origin when the token endpoint is the issuer’s own', async () => {
    const issuer = await discoveryServer((own) => `${own}/token`);
    const app = appWith({ issuer, clientId: 'console', scopes: ['openid'], scopePrefix: '' });
    expect(connectSrc(await app.request('/console'))).toBe(`connect-src 'self' ${issuer}`);
  });

  it('allows the issuer alone while its discovery fails, and asks again at the next page', async () => {
    // A port that was free a moment ago: nothing answers there yet.
    const probe = await discoveryServer((own) => `${own}/token`);
    const port = Number(new URL(probe).port);
    await new Promise((r) => servers.pop()?.close(r));
    const app = appWith({ issuer: probe, clientId: 'console', scopes: [], scopePrefix: '' });
    expect(connectSrc(await app.request('/console'))).toBe(`connect-src 'self' ${probe}`);
    await discoveryServer(() => 'https://elsewhere.example/token', port);
    expect(connectSrc(await app.request('/console'))).toBe(
      `connect-src 'self' ${probe} https://elsewhere.example`,
    );
  });
});

describe('a session from the token endpoint’s answer', () => {
  const key = new TextEncoder().encode('a-test-key-of-at-least-32-bytes!');
  const token = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
  const requested = { scopes: ['customers:read', 'openid'], scopePrefix: '' };
  const now = Date.UTC(2026, 0, 1);

  it('takes the roles and the expiry from the access token’s own claims', async () => {
    const accessToken = await token({
      sub: 'reader',
      scope: 'openid customers:read customers:history',
      exp: now / 1000 + 300,
    });
    const session = sessionFrom(
      { access_token: accessToken, token_type: 'bearer', expires_in: 60, scope: 'openid' },
      { sub: 'reader', preferred_username: 'Reader One' },
      requested,
      now,
    );
    expect([...session.roles].sort()).toEqual(['customers:history', 'customers:read']);
    expect(session.expiresAt).toBe(now + 300_000);
    expect(session.subject).toBe('reader');
    expect(session.userName).toBe('Reader One');
  });

  it('reads Cognito’s prefixed scopes and user name', async () => {
    const accessToken = await token({
      sub: '5f0c-uuid',
      scope: 'customer-service/customers:read customer-service/customers:erase customers:write',
      exp: now / 1000 + 3600,
    });
    const session = sessionFrom(
      { access_token: accessToken, token_type: 'bearer' },
      { sub: '5f0c-uuid', 'cognito:username': 'alice' },
      { scopes: [], scopePrefix: 'customer-service/' },
      now,
    );
    // An unprefixed scope grants nothing when the issuer prefixes its scopes.
    expect([...session.roles].sort()).toEqual(['customers:erase', 'customers:read']);
    expect(session.userName).toBe('alice');
  });

  it('falls back to the answer’s scope and expires_in for an opaque token', () => {
    const session = sessionFrom(
      {
        access_token: 'opaque-token',
        token_type: 'bearer',
        expires_in: 120,
        scope: 'ops:read ops:write',
      },
      undefined,
      requested,
      now,
    );
    expect([...session.roles].sort()).toEqual(['ops:read', 'ops:write']);
    expect(session.expiresAt).toBe(now + 120_000);
    expect(session.subject).toBe('unknown');
    expect(session.userName).toBeUndefined();
  });
});
