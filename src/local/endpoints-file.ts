import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import type { Config } from '../config.js';

/**
 * `<DATA_DIR>/endpoints.json`: where the running `npm start` serves each part of the stack.
 * Written once everything is up, removed on a clean stop; the operations tools read it to
 * find the stack, and its `pid` tells a live stack from the leftovers of a killed one.
 */
export const LocalEndpoints = z.object({
  http: z.url(),
  dynamodb: z.url(),
  /**
   * The DynamoDB Local this run started, in a process group of its own and stopped by this
   * pid (absent against another DynamoDB).
   */
  dynamodbPid: z.number().int().positive().optional(),
  sqs: z.url(),
  eventbridge: z.url(),
  /** The KMS stand-in that wraps the customers' data keys (absent without encryption). */
  kms: z.url().optional(),
  /** The key the service wraps its data keys under, as the KMS stand-in knows it. */
  kmsKey: z
    .object({ alias: z.string().startsWith('alias/').optional(), arn: z.string() })
    .optional(),
  /** The local OpenID issuer that signs the accepted tokens (`--auth=oidc` only). */
  oidcIssuer: z.url().optional(),
  region: z.string().min(1),
  eventBus: z.string().min(1),
  tables: z.object({
    events: z.string().min(1),
    views: z.string().min(1),
    /**
     * The other declared view tables by id (`VIEW_TABLES`); absent in files written before
     * there were any.
     */
    viewTables: z.record(z.string(), z.string().min(1)).optional(),
  }),
  queues: z.object({
    projection: z.url(),
    dlq: z.url(),
    /**
     * The stream's on-failure destination; absent in files written before it existed, which
     * must still read (and be told stale by their pid) rather than be refused as unreadable.
     */
    streamFailures: z.url().optional(),
  }),
  pid: z.number().int().positive(),
  startedAt: z.string(),
});
export type LocalEndpoints = z.infer<typeof LocalEndpoints>;

export const ENDPOINTS_FILE = 'endpoints.json';

/** The tables of a running service, as the file lists them. */
export const endpointTables = (
  config: Pick<Config, 'COMMAND_TABLE' | 'QUERY_TABLE' | 'VIEW_TABLES'>,
): LocalEndpoints['tables'] => ({
  events: config.COMMAND_TABLE,
  views: config.QUERY_TABLE,
  viewTables: config.VIEW_TABLES,
});

export const endpointsFilePath = (dataDir: string): string => join(dataDir, ENDPOINTS_FILE);

export const writeEndpointsFile = (dataDir: string, endpoints: LocalEndpoints): string => {
  const path = endpointsFilePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  // Written whole, then renamed: a reader never sees half a file.
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(endpoints, null, 2)}\n`);
  renameSync(partial, path);
  return path;
};

export const removeEndpointsFile = (dataDir: string): void =>
  rmSync(endpointsFilePath(dataDir), { force: true });

export type LocalStackLookup =
  | { status: 'running'; path: string; endpoints: LocalEndpoints }
  | { status: 'stale'; path: string; pid: number }
  | { status: 'unreadable'; path: string; reason: string }
  | { status: 'absent'; path: string };

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Finds the stack `npm start` is running with this data folder, if any. */
export const findLocalStack = (dataDir: string): LocalStackLookup => {
  const path = endpointsFilePath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent', path };
    return { status: 'unreadable', path, reason: (error as Error).message };
  }
  let parsed: ReturnType<typeof LocalEndpoints.safeParse>;
  try {
    parsed = LocalEndpoints.safeParse(JSON.parse(text));
  } catch (error) {
    return { status: 'unreadable', path, reason: `not JSON (${(error as Error).message})` };
  }
  if (!parsed.success) return { status: 'unreadable', path, reason: z.prettifyError(parsed.error) };
  const endpoints = parsed.data;
  if (!isAlive(endpoints.pid)) return { status: 'stale', path, pid: endpoints.pid };
  return { status: 'running', path, endpoints };
};
