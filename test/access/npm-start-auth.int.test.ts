import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/free-port.js';
import { devToolToken } from '../../src/local/oidc/dev-tool-token.js';
import { type ServiceProcess, startServiceProcess } from '../faults/service-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `npm start`'s entry point with these arguments and variables, until it exits. */
const runMain = async (args: string[], env: Record<string, string>) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, output };
};

describe('npm start -- --auth=oidc, as a process', () => {
  const folders: string[] = [];
  // Kept as a promise, so a start still under way when a test times out is stopped too.
  let starting: Promise<ServiceProcess> | undefined;
  let holder: Server | undefined;
  afterAll(async () => {
    await (await starting?.catch(() => undefined))?.stop();
    await new Promise<void>((done) => (holder ? holder.close(() => done()) : done()));
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('fails at once when the issuer port is taken, naming OIDC_PORT, and starts no Java', async () => {
    const port = await freePort();
    holder = createServer();
    await new Promise<void>((done) => holder?.listen(port, '127.0.0.1', done));
    const folder = mkdtempSync(join(tmpdir(), 'oidc-port-taken-'));
    folders.push(folder);
    const ports = Object.fromEntries(
      await Promise.all(
        ['PORT', 'DYNAMODB_PORT', 'SQS_PORT', 'EVENTBRIDGE_PORT', 'KMS_PORT'].map(
          async (name) => [name, String(await freePort())] as const,
        ),
      ),
    );
    const { code, output } = await runMain(['--auth=oidc'], {
      ...ports,
      OIDC_PORT: String(port),
      DATA_DIR: folder,
    });
    expect(code).toBe(1);
    expect(output).toContain(`Port ${port} on 127.0.0.1 (oidc) is already in use`);
    expect(output).toContain('set OIDC_PORT to another port');
    expect(existsSync(join(folder, 'dynamodb'))).toBe(false);
  });

  it('refuses an unknown mode, naming the flag', async () => {
    const { code, output } = await runMain(['--auth=basic'], { DATA_DIR: tmpdir() });
    expect(code).toBe(1);
    expect(output).toContain('--auth must be "oidc"');
  });

  it('serves the API to tokens of its issuer only, and names the issuer in endpoints.json', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'oidc-start-'));
    folders.push(folder);
    starting = startServiceProcess({ dataDir: folder, env: { AUTH: 'oidc' } });
    const service = await starting;
    const issuer = service.endpoints.oidcIssuer;
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service.output()).toContain('grant_type=client_credentials');

    const register = (token?: string) =>
      fetch(`${service.url}/customers`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ email: 'oidc-start@example.com', name: 'Started' }),
      });
    expect((await register()).status).toBe(401);
    const reader = await devToolToken(issuer ?? '', ['customers:read']);
    expect((await register(reader)).status).toBe(403);
    const writer = await devToolToken(issuer ?? '', ['customers:write']);
    const created = await register(writer);
    expect(created.status).toBe(201);
    const { customerId } = (await created.json()) as { customerId: string };
    const history = await fetch(`${service.url}/customers/${customerId}/events`, {
      headers: {
        authorization: `Bearer ${await devToolToken(issuer ?? '', ['customers:history'])}`,
      },
    });
    const [event] = ((await history.json()) as { events: Array<{ metadata: unknown }> }).events;
    expect(event?.metadata).toMatchObject({
      actor: { kind: 'jwt', id: 'dev-tool', clientId: 'dev-tool' },
    });
    // DynamoDB Local's start alone takes half a minute on a busy machine.
  }, 120_000);
});
