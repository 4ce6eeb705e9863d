import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointsFilePath, findLocalStack } from './endpoints-file.js';

/** An endpoints.json as the version before stand-in keys and the failure queue wrote it. */
const earlierLayout = (pid: number) => ({
  http: 'http://127.0.0.1:3000',
  dynamodb: 'http://127.0.0.1:8000',
  sqs: 'http://127.0.0.1:9324',
  eventbridge: 'http://127.0.0.1:9325',
  region: 'us-east-1',
  eventBus: 'customer-events',
  tables: { events: 'CustomerEvents', views: 'CustomerViews' },
  queues: {
    projection: 'http://sqs.us-east-1.localhost:9324/000000000000/customer-projection',
    dlq: 'http://sqs.us-east-1.localhost:9324/000000000000/customer-projection-dlq',
  },
  pid,
  startedAt: '2026-12-01T10:00:00.000Z',
});

describe('endpoints.json written by an earlier version', () => {
  const dirs: string[] = [];
  const dataDirWith = (content: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'endpoints-'));
    dirs.push(dir);
    writeFileSync(endpointsFilePath(dir), JSON.stringify(content));
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('still names a running stack, with its queues', () => {
    const found = findLocalStack(dataDirWith(earlierLayout(process.pid)));
    expect(found.status).toBe('running');
    expect(found.status === 'running' && found.endpoints.queues.streamFailures).toBeUndefined();
    expect(found.status === 'running' && found.endpoints.queues.dlq).toMatch(/projection-dlq$/);
  });

  it('is told stale, not unreadable, once its process is gone', () => {
    // A pid no process holds on this machine (beyond the kernel's default pid_max).
    const found = findLocalStack(dataDirWith(earlierLayout(4_194_305)));
    expect(found).toMatchObject({ status: 'stale', pid: 4_194_305 });
  });
});
