import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/document-client.js';
import { JoseTokenVerifier } from '../../src/adapters/jose/jose-token-verifier.js';
import { ROLES, type Role } from '../../src/app/access/roles.js';
import { customerModule } from '../../src/app/customer/module.js';
import { bearerTokenAccess } from '../../src/app/http/access-guard.js';
import { freePort } from '../../src/local/free-port.js';
import { type RunningHttpServer, serveHttp } from '../../src/local/http-server.js';
import { type LocalConsole, startLocalConsole } from '../../src/local/local-console.js';
import { devToolToken } from '../../src/local/oidc/dev-tool-token.js';
import { type LocalAuth, startLocalAuth } from '../../src/local/oidc/local-auth.js';
import { LOCAL_API_AUDIENCE, LOCAL_USERS } from '../../src/local/oidc/local-identities.js';
import { type LocalRuntime, startLocalRuntime } from '../../src/local/runtime.js';
import { localClientConfig } from '../support/dynamodb.js';
import { configWithOwnTables, dropTables } from '../support/runtime-tables.js';
import { signInAs } from './local-issuer-client.js';
import {
  catalogCases,
  ROUTE_CASES,
  type RouteCall,
  routeFixtures,
  uncoveredRoutes,
} from './route-cases.js';
import { tableItems } from './table-items.js';

const config = configWithOwnTables();
const dynamodb = localClientConfig(inject('dynamoEndpoint'));
const documentClient = createDocumentClient(dynamodb);
let runtime: LocalRuntime;
let operator: LocalConsole;
let auth: LocalAuth;
let server: RunningHttpServer;
let redirectUri: string;

/** A token of the development tool holding exactly these roles. */
const tokens = new Map<string, Promise<string>>();
const tokenFor = (roles: readonly Role[]) => {
  const key = roles.join(' ');
  if (!tokens.has(key)) tokens.set(key, devToolToken(auth.issuer.issuer, roles));
  return tokens.get(key) as Promise<string>;
};

const send = async (
  call: RouteCall,
  token: string | undefined,
  target: { fetch: (request: Request) => Response | Promise<Response> } | string,
) => {
  const url = `${typeof target === 'string' ? target : 'http://127.0.0.1'}${call.path}${call.query ? `?${call.query}` : ''}`;
  const request = new Request(url, {
    method: call.method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  });
  const response = typeof target === 'string' ? await fetch(request) : await target.fetch(request);
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as { error?: { code: string; message: string } } & Record<
      string,
      unknown
    >,
  };
};

const items = () => tableItems(documentClient, [config.COMMAND_TABLE, config.QUERY_TABLE]);

beforeAll(async () => {
  // As `npm start -- --auth=oidc`: the service on the local runtime, the issuer beside it.
  runtime = await startLocalRuntime({ config, dynamodb, pipeline: false, drainTimeoutMs: 0 });
  operator = await startLocalConsole(runtime);
  const httpPort = await freePort();
  auth = await startLocalAuth({ port: 0, httpPort });
  redirectUri = auth.issuer.redirectUris[0] ?? '';
  server = await serveHttp(
    runtime.service.httpApp(
      { commands: true, queries: true },
      { ...operator.extras, authenticate: auth.authenticate },
    ),
    { port: httpPort },
  );
});
afterAll(async () => {
  await server?.close();
  await auth?.stop();
  await operator?.close();
  await runtime?.stop();
  documentClient.destroy();
  await dropTables(config);
});

describe('npm start -- --auth=oidc: every route checks the token of the local issuer', () => {
  it('has a request for every route of the catalog', () => {
    expect(uncoveredRoutes()).toEqual({ withoutCase: [], withoutRoute: [] });
  });

  for (const { route, name, case: routeCase } of catalogCases()) {
    it(name, async () => {
      const call = await routeCase.prepare(routeFixtures(runtime.service));

      const before = await items();
      const anonymous = await send(call, undefined, server.url);
      expect(anonymous.status).toBe(401);
      expect(anonymous.json.error?.code).toBe('UNAUTHENTICATED');
      // Every other role, and still not this one.
      const others = await send(
        call,
        await tokenFor(ROLES.filter((r) => r !== route.role)),
        server.url,
      );
      expect(others.status).toBe(403);
      expect(others.json.error).toMatchObject({
        code: 'MISSING_ROLE',
        message: expect.stringContaining(`"${route.role}"`),
      });
      expect(await items()).toEqual(before);

      const allowed = await send(call, await tokenFor([route.role]), server.url);
      expect({ status: allowed.status, body: allowed.json }).toMatchObject({
        status: routeCase.success,
      });
    });
  }

  it('records the token subject and client as the actor of the events a command writes', async () => {
    const call = await ROUTE_CASES['POST /customers']?.prepare(routeFixtures(runtime.service));
    if (!call) throw new Error('no registration case');
    const answer = await send(call, await tokenFor(['customers:write']), server.url);
    expect(answer.status).toBe(201);
    const [event] = await runtime.service
      .aggregate(customerModule)
      .commands.history(String(answer.json.customerId));
    expect(event?.metadata.actor).toEqual({ kind: 'jwt', id: 'dev-tool', clientId: 'dev-tool' });
  });
});

describe('tokens the local check refuses, as API Gateway would', () => {
  /** The same app, with a verifier of other settings. */
  const appWith = (verifier: JoseTokenVerifier) =>
    runtime.service.httpApp(
      { commands: true, queries: true },
      { authenticate: bearerTokenAccess({ verify: verifier.verify }) },
    );
  const register = async () =>
    (await ROUTE_CASES['POST /customers']?.prepare(routeFixtures(runtime.service))) as RouteCall;

  const expectInvalidToken = (
    answer: Awaited<ReturnType<typeof send>>,
    reason: string | RegExp,
  ) => {
    expect(answer.status).toBe(401);
    expect(answer.json.error?.code).toBe('INVALID_TOKEN');
    expect(answer.json.error?.message).toMatch(reason);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  };

  it('refuses an expired token (401), and writes nothing', async () => {
    const token = await tokenFor(['customers:write']);
    const later = new JoseTokenVerifier({
      issuer: auth.issuer.issuer,
      audience: LOCAL_API_AUDIENCE,
      clock: () => new Date(Date.now() + 2 * 3600_000),
    });
    const before = await items();
    expectInvalidToken(await send(await register(), token, appWith(later)), /expired/);
    expect(await items()).toEqual(before);
  });

  it('refuses a token signed by another key under the issuer key id (401)', async () => {
    const genuine = await tokenFor(['customers:write']);
    const header = JSON.parse(Buffer.from(genuine.split('.')[0] ?? '', 'base64url').toString());
    const claims = JSON.parse(Buffer.from(genuine.split('.')[1] ?? '', 'base64url').toString());
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: header.typ })
      .sign(privateKey);
    const before = await items();
    expectInvalidToken(await send(await register(), forged, server.url), /signature/);
    expect(await items()).toEqual(before);
  });

  it('refuses a token with alg none or a key id the issuer never had (401)', async () => {
    const genuine = await tokenFor(['customers:write']);
    const [, payload] = genuine.split('.');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expectInvalidToken(
      await send(await register(), unsigned, server.url),
      /not a signed JWT|algorithm/,
    );
    const { privateKey } = await generateKeyPair('RS256');
    const strangeKid = await new SignJWT({ scope: 'customers:write', client_id: 'dev-tool' })
      .setProtectedHeader({ alg: 'RS256', kid: 'another-key' })
      .setIssuer(auth.issuer.issuer)
      .setAudience(LOCAL_API_AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
    expectInvalidToken(await send(await register(), strangeKid, server.url), /kid/);
  });

  it('refuses a token for another audience (401)', async () => {
    const token = await tokenFor(['customers:write']);
    const elsewhere = new JoseTokenVerifier({
      issuer: auth.issuer.issuer,
      audience: 'urn:another-service',
    });
    expectInvalidToken(await send(await register(), token, appWith(elsewhere)), /audience/);
  });

  it("refuses an ID token: 401 for the API's audience, 403 where the audience is the client", async () => {
    const { idToken } = await signInAs(auth.issuer.issuer, 'operator', {
      redirectUri,
      scopes: ROLES,
    });
    if (!idToken) throw new Error('the sign-in answered no ID token');
    const before = await items();
    expectInvalidToken(await send(await register(), idToken, server.url), /audience/);
    // An authoriser whose audience is the console's client id accepts the ID token, which
    // holds no scope: the route is refused for its role.
    const clientAudience = new JoseTokenVerifier({
      issuer: auth.issuer.issuer,
      audience: [LOCAL_API_AUDIENCE, 'console'],
    });
    const answer = await send(await register(), idToken, appWith(clientAudience));
    expect(answer.status).toBe(403);
    expect(answer.json.error?.code).toBe('MISSING_ROLE');
    expect(await items()).toEqual(before);
  });
});

describe('signing in to the console at the local issuer (code with PKCE)', () => {
  for (const [user, roles] of Object.entries(LOCAL_USERS)) {
    it(`gives ${user} a token holding exactly their roles, whatever the console asks for`, async () => {
      const signedIn = await signInAs(auth.issuer.issuer, user, { redirectUri, scopes: ROLES });
      const claims = JSON.parse(
        Buffer.from(signedIn.accessToken.split('.')[1] ?? '', 'base64url').toString(),
      );
      expect(claims).toMatchObject({ sub: user, client_id: 'console', aud: LOCAL_API_AUDIENCE });
      expect(String(claims.scope).split(' ').sort()).toEqual([...roles].sort());
      // And the service agrees: the token opens exactly the routes of those roles.
      const erase = await send(
        { method: 'GET', path: '/ops/health' },
        signedIn.accessToken,
        server.url,
      );
      expect(erase.status).toBe((roles as readonly Role[]).includes('ops:read') ? 200 : 403);
    });
  }

  it('lets nobody but the local users sign in', async () => {
    await expect(
      signInAs(auth.issuer.issuer, 'mallory', { redirectUri, scopes: ROLES }),
    ).rejects.toThrow(/400.*not a local user/s);
  });
});

describe('the local server and the Host header (DNS rebinding)', () => {
  it('answers 421 to any Host but 127.0.0.1 or localhost at its port, and serves those', async () => {
    const { port } = server;
    const ask = async (host: string) => {
      const { request } = await import('node:http');
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/openapi.json', headers: { host } });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    };
    for (const host of [
      'attacker.example',
      `attacker.example:${port}`,
      '127.0.0.1',
      `127.0.0.1:${port + 1}`,
      `localhost.attacker.example:${port}`,
    ]) {
      const answer = await ask(host);
      expect(answer.status, host).toBe(421);
      expect(JSON.parse(answer.body).error.code).toBe('MISDIRECTED_REQUEST');
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await ask(host)).status, host).toBe(200);
    }
  });
});
