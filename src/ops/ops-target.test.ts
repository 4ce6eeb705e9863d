import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../config.js';
import {
  endpointTables,
  type LocalEndpoints,
  writeEndpointsFile,
} from '../local/endpoints-file.js';
import { resolveOpsTarget } from './ops-target.js';

const running = (tables: LocalEndpoints['tables']): LocalEndpoints => ({
  http: 'http://127.0.0.1:3000',
  dynamodb: 'http://127.0.0.1:8000',
  sqs: 'http://127.0.0.1:9324',
  eventbridge: 'http://127.0.0.1:9325',
  region: 'us-east-1',
  eventBus: 'customer-events',
  tables,
  queues: {
    projection: 'http://sqs.us-east-1.localhost:9324/000000000000/customer-projection',
    dlq: 'http://sqs.us-east-1.localhost:9324/000000000000/customer-projection-dlq',
  },
  pid: process.pid,
  startedAt: '2026-12-06T09:00:00.000Z',
});

describe('an ops tool aimed at the local stack', () => {
  const dirs: string[] = [];
  const dataDirWith = (endpoints: LocalEndpoints) => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-target-'));
    dirs.push(dir);
    writeEndpointsFile(dir, endpoints);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reads every declared view table the running service names', () => {
    const service = readConfig({
      COMMAND_TABLE: 'CustomerEvents',
      QUERY_TABLE: 'CustomerViews',
      VIEW_TABLES: '{"LoyaltyViews":"LoyaltyViews"}',
    });
    const dataDir = dataDirWith(running(endpointTables(service)));
    const target = resolveOpsTarget({ DATA_DIR: dataDir });
    const config = readConfig(target.env);
    expect(config.COMMAND_TABLE).toBe('CustomerEvents');
    expect(config.QUERY_TABLE).toBe('CustomerViews');
    expect(config.VIEW_TABLES).toEqual({ LoyaltyViews: 'LoyaltyViews' });
  });

  it('leaves a name the user set in place of the file’s', () => {
    const service = readConfig({ VIEW_TABLES: '{"LoyaltyViews":"LoyaltyViews"}' });
    const dataDir = dataDirWith(running(endpointTables(service)));
    const mine = '{"LoyaltyViews":"loyalty-green"}';
    const target = resolveOpsTarget({ DATA_DIR: dataDir, VIEW_TABLES: mine });
    expect(readConfig(target.env).VIEW_TABLES).toEqual({ LoyaltyViews: 'loyalty-green' });
  });

  it('reads a file written before view tables were listed as naming none', () => {
    const dataDir = dataDirWith(running({ events: 'CustomerEvents', views: 'CustomerViews' }));
    const target = resolveOpsTarget({ DATA_DIR: dataDir });
    expect(target.env.VIEW_TABLES).toBeUndefined();
    expect(readConfig(target.env)).toMatchObject({ QUERY_TABLE: 'CustomerViews', VIEW_TABLES: {} });
  });
});
