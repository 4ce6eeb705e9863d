import { describe, expect, it } from 'vitest';
import {
  IssuerUnavailableError,
  JoseTokenVerifier,
} from '../../src/adapters/jose/jose-token-verifier.js';
import { InMemoryEventStore } from '../../src/adapters/memory/in-memory-event-store.js';
import { createCommandRoutes } from '../../src/app/customer/command-routes.js';
import { CustomerCommandService } from '../../src/app/customer/customer-commands.js';
import { bearerTokenAccess, type VerifyAccessToken } from '../../src/app/http/access-guard.js';
import { createHttpApp } from '../../src/app/http/app.js';
import { freePort } from '../../src/local/free-port.js';
import { LocalAuthModeError, readLocalAuthMode } from '../../src/local/oidc/local-auth.js';

const register = (authorization?: string) =>
  new Request('http://127.0.0.1/customers', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify({ customerId: 'bearer-1', email: 'b@example.com', name: 'B' }),
  });

const appWith = (verify: VerifyAccessToken) => {
  const store = new InMemoryEventStore();
  const app = createHttpApp({
    commands: [createCommandRoutes(new CustomerCommandService({ store }))],
    authenticate: bearerTokenAccess({ verify, scopePrefix: 'customer-service/' }),
  });
  return { app, store };
};

describe('bearerTokenAccess', () => {
  it('names nobody without a bearer token (401 UNAUTHENTICATED), never asking the verifier', async () => {
    const asked: string[] = [];
    const { app, store } = appWith(async (token) => {
      asked.push(token);
      return { valid: false, reason: 'unused' };
    });
    for (const header of [undefined, 'Basic ZGV2OnNlY3JldA==', 'bearertoken']) {
      const answer = await app.fetch(register(header));
      expect(answer.status, String(header)).toBe(401);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe(
        'UNAUTHENTICATED',
      );
    }
    expect(asked).toEqual([]);
    expect(await store.readStream('bearer-1')).toEqual([]);
  });

  it('answers 401 INVALID_TOKEN with the reason, and without repeating the token', async () => {
    const { app, store } = appWith(async () => ({ valid: false, reason: 'the token has expired' }));
    const answer = await app.fetch(register('Bearer abc.def.ghi'));
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="the token has expired"',
    );
    const body = await answer.text();
    expect(JSON.parse(body).error.code).toBe('INVALID_TOKEN');
    expect(body).not.toContain('abc.def.ghi');
    const empty = await app.fetch(register('Bearer '));
    expect(empty.status).toBe(401);
    expect(await store.readStream('bearer-1')).toEqual([]);
  });

  it("grants the roles of the token's scopes, under the configured prefix", async () => {
    const claims = (scope: string) => ({ sub: 'u', client_id: 'c', scope });
    const unprefixed = appWith(async () => ({ valid: true, claims: claims('customers:write') }));
    expect((await unprefixed.app.fetch(register('Bearer t'))).status).toBe(403);
    const prefixed = appWith(async () => ({
      valid: true,
      claims: claims('customer-service/customers:write'),
    }));
    expect((await prefixed.app.fetch(register('Bearer t'))).status).toBe(201);
    const [event] = await prefixed.store.readStream('bearer-1');
    expect(event?.metadata.actor).toEqual({ kind: 'jwt', id: 'u', clientId: 'c' });
  });

  it('answers 503 when the issuer cannot be reached: the token is not to blame', async () => {
    const verifier = new JoseTokenVerifier({
      issuer: `http://127.0.0.1:${await freePort()}`,
      audience: 'urn:customer-service',
    });
    await expect(verifier.verify('a.b.c')).rejects.toBeInstanceOf(IssuerUnavailableError);
    const { app, store } = appWith(verifier.verify);
    const answer = await app.fetch(register('Bearer a.b.c'));
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe(
      'ISSUER_UNAVAILABLE',
    );
    expect(await store.readStream('bearer-1')).toEqual([]);
  });
});

describe('readLocalAuthMode', () => {
  it('is open unless --auth=oidc or AUTH=oidc, the flag first, and names a wrong value', () => {
    expect(readLocalAuthMode([], {})).toBe('open');
    expect(readLocalAuthMode(['--auth=oidc'], {})).toBe('oidc');
    expect(readLocalAuthMode([], { AUTH: 'oidc' })).toBe('oidc');
    expect(readLocalAuthMode(['--auth=open'], { AUTH: 'oidc' })).toBe('open');
    expect(() => readLocalAuthMode(['--auth=jwt'], {})).toThrow(LocalAuthModeError);
    expect(() => readLocalAuthMode([], { AUTH: 'yes' })).toThrow(/AUTH must be "oidc"/);
  });
});
