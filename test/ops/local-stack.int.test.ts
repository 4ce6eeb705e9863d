import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointsFilePath } from '../../src/local/endpoints-file.js';
import { freePort } from '../../src/local/free-port.js';
import { runAuditCli } from '../../src/ops/audit-cli.js';
import type { CliIo } from '../../src/ops/cli-io.js';
import { runDlqCli } from '../../src/ops/dlq-cli.js';
import { runRebuildCli } from '../../src/ops/rebuild-cli.js';
import { type ServiceProcess, startServiceProcess } from '../faults/service-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Credentials and a region nobody configured: the local stack must take any. */
const anyone = {
  region: 'eu-west-3',
  credentials: { accessKeyId: 'AKIAWHOEVER', secretAccessKey: 'whatever-secret' },
};

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
  return { io, out, err };
};

let dataDir: string;
let service: ServiceProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'local-stack-'));
  service = await startServiceProcess({ dataDir });
}, 120_000);

afterAll(async () => {
  await service?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start as a local AWS', () => {
  it('writes endpoints.json with every endpoint on 127.0.0.1, as its log says', () => {
    const { endpoints } = service;
    for (const url of [endpoints.http, endpoints.dynamodb, endpoints.sqs, endpoints.eventbridge]) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
    }
    expect(service.output()).toContain(`listening on ${endpoints.http}`);
    expect(service.output()).toContain(`DynamoDB Local at ${endpoints.dynamodb}`);
    expect(service.output()).toContain(`EventBridge stand-in:       ${endpoints.eventbridge}`);
    expect(endpoints).toMatchObject({
      region: 'us-east-1',
      eventBus: 'customer-events',
      tables: { events: 'CustomerEvents', views: 'CustomerViews' },
      pid: service.pid,
    });
    // Queue URLs keep SQS's own form (`http://sqs.<region>.localhost:<port>/<account>/<name>`):
    // they name the queue; requests go to the endpoint.
    const sqsPort = new URL(endpoints.sqs).port;
    expect(new URL(endpoints.queues.projection).port).toBe(sqsPort);
    expect(new URL(endpoints.queues.dlq).port).toBe(sqsPort);
    expect(endpoints.queues.projection).toMatch(/\/customer-projection$/);
    expect(endpoints.queues.dlq).toMatch(/\/customer-projection-dlq$/);
    expect(endpoints.queues.streamFailures).toMatch(/\/customer-stream-failures$/);
    expect(endpoints.dynamodbPid).toBe(service.dynamodbPid);
  });

  it("names the service's KMS key as the KMS stand-in knows it", async () => {
    const { kms, kmsKey } = service.endpoints;
    expect(kmsKey?.alias).toBe('alias/customer-service-data-keys');
    expect(service.output()).toContain(`service KMS key:            ${kmsKey?.alias}`);
    const client = new KMSClient({ endpoint: kms, ...anyone });
    try {
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: kmsKey?.alias }));
      expect(KeyMetadata?.Arn).toBe(kmsKey?.arn);
    } finally {
      client.destroy();
    }
  });

  it('serves DynamoDB (one shared database) and SQS to any credentials and region', async () => {
    const dynamodb = new DynamoDBClient({ endpoint: service.endpoints.dynamodb, ...anyone });
    const sqs = new SQSClient({ endpoint: service.endpoints.sqs, ...anyone });
    try {
      const { TableNames } = await dynamodb.send(new ListTablesCommand({}));
      expect(TableNames).toEqual(expect.arrayContaining(['CustomerEvents', 'CustomerViews']));
      const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
      expect(QueueUrls).toEqual(expect.arrayContaining(Object.values(service.endpoints.queues)));
    } finally {
      dynamodb.destroy();
      sqs.destroy();
    }
  });

  it('is found by the ops tools with no AWS settings at all, which say so first', async () => {
    const registered = await fetch(`${service.url}/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'found@example.com', name: 'Found' }),
    });
    expect(registered.status).toBe(201);
    const { customerId } = (await registered.json()) as { customerId: string };
    const read = await fetch(`${service.url}/customers/${customerId}?minVersion=1`);
    expect(read.status).toBe(200);

    const env = { DATA_DIR: dataDir };
    const firstLine = `Using the local stack of npm start (pid ${service.pid}): DynamoDB ${service.endpoints.dynamodb}, SQS ${service.endpoints.sqs}.`;

    const audit = capture();
    const auditCode = await runAuditCli([], env, audit.io);
    expect(audit.err).toEqual([]);
    expect(auditCode).toBe(0);
    expect(audit.out[0]).toBe(firstLine);
    expect(audit.out.join('\n')).toContain('Clean: every view matches its stream.');
    expect(audit.err).toEqual([]);

    const dlq = capture();
    expect(await runDlqCli(['list'], env, dlq.io)).toBe(0);
    expect(dlq.out).toEqual([firstLine, `0 message(s) in ${service.endpoints.queues.dlq}`]);

    const rebuild = capture();
    expect(await runRebuildCli([], env, rebuild.io, { progress: false })).toBe(0);
    expect(rebuild.out[0]).toBe(firstLine);
    expect(rebuild.out[1]).toMatch(
      /^\d+ streams replayed into customer-views: 0 views moved forward, 0 failed$/,
    );
  });
});

describe('ops tools without a running stack', () => {
  it('explain a stale endpoints file, without a stack trace', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'stale-stack-'));
    try {
      const gone = spawnSync(process.execPath, ['-e', '0']).pid;
      writeFileSync(
        endpointsFilePath(folder),
        JSON.stringify({ ...service.endpoints, pid: gone, http: 'http://127.0.0.1:1' }),
      );
      const audit = capture();
      expect(await runAuditCli([], { DATA_DIR: folder }, audit.io)).toBe(2);
      expect(audit.out).toEqual([]);
      expect(audit.err).toHaveLength(1);
      expect(audit.err[0]).toContain(`names npm start pid ${gone}, which is no longer running`);
      expect(audit.err[0]).toContain('npm start');
      expect(audit.err[0]).toContain('AWS_PROFILE');
      expect(audit.err[0]).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('say how to start one or target AWS when there is none', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'no-stack-'));
    try {
      for (const run of [
        (io: CliIo) => runAuditCli([], { DATA_DIR: folder }, io),
        (io: CliIo) => runDlqCli(['list'], { DATA_DIR: folder }, io),
        (io: CliIo) => runRebuildCli([], { DATA_DIR: folder }, io, { progress: false }),
      ]) {
        const { io, err } = capture();
        expect(await run(io)).toBe(2);
        expect(err).toHaveLength(1);
        expect(err[0]).toContain('No local stack is running');
        expect(err[0]).toContain('`npm start`');
        expect(err[0]).toContain('To target AWS instead');
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('npm start with a port taken', () => {
  let holder: Server;
  afterAll(() => new Promise<void>((done) => holder?.close(() => done())));

  it('fails at once, naming the port and its variable, and starts no Java', async () => {
    const port = await freePort();
    holder = createServer();
    await new Promise<void>((done) => holder.listen(port, '127.0.0.1', done));
    const folder = mkdtempSync(join(tmpdir(), 'port-taken-'));
    const ports = {
      PORT: String(await freePort()),
      SQS_PORT: String(await freePort()),
      EVENTBRIDGE_PORT: String(await freePort()),
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...ports, DYNAMODB_PORT: String(port), DATA_DIR: folder },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(output).toContain(`Port ${port} on 127.0.0.1 (dynamodb) is already in use`);
    expect(output).toContain('set DYNAMODB_PORT to another port');
    // Nothing was started, so nothing wrote the data folder.
    expect(existsSync(join(folder, 'dynamodb'))).toBe(false);
    expect(existsSync(endpointsFilePath(folder))).toBe(false);
    rmSync(folder, { recursive: true, force: true });
  });
});

describe('a clean stop', () => {
  it('removes endpoints.json', async () => {
    expect(existsSync(endpointsFilePath(dataDir))).toBe(true);
    await service.stop();
    expect(existsSync(endpointsFilePath(dataDir))).toBe(false);
  });
});
