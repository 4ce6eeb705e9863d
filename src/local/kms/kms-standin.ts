import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadKeyFile, saveKeyFile } from './key-file.js';
import { KeyRing } from './key-ring.js';
import { type InjectedFault, injectedFault, KmsError } from './kms-errors.js';
import type { OperationContext } from './operation-context.js';
import { isKmsOperationName, type KmsOperationName, OPERATIONS } from './operations.js';

export const DEFAULT_DATA_KEY_ALIAS = 'alias/customer-service-data-keys';

export interface KmsStandInOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  region?: string;
  accountId?: string;
  /** Keys are kept in `<dataDir>/kms/keys.json`; in memory only when absent. */
  dataDir?: string;
  /** The alias of the symmetric key created on first start. */
  aliasName?: string;
  now?: () => Date;
}

export interface KmsStandInStats {
  /** Requests received, whatever they asked. */
  requests: number;
  /** Requests answered with an injected fault. */
  injectedFaults: number;
  /** Calls per operation, faulted ones included. */
  operations: Partial<Record<KmsOperationName, number>>;
}

export interface KmsStandIn {
  endpoint: string;
  port: number;
  region: string;
  accountId: string;
  /** The symmetric key behind `aliasName`. */
  keyId: string;
  keyArn: string;
  aliasName: string;
  /** `null` when the keys live in memory. */
  keyFile: string | null;
  /** Settings for a `KMSClient` (any credentials are accepted). */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** The next `count` requests fail as a whole with `type` (the SDK retries these itself). */
  failNextRequests(count: number, type?: InjectedFault): void;
  /** Stops listening and drops open connections: callers see connection refused. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stats(): KmsStandInStats;
  stop(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'TrentService.';

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_REQUEST_BYTES) {
        reject(new KmsError('ValidationException', 'Request is too large.', 413));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

const parseBody = (text: string): Record<string, unknown> => {
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new KmsError('SerializationException', 'Request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new KmsError('SerializationException', 'Request body must be a JSON object.');
  return body as Record<string, unknown>;
};

/**
 * A local KMS on loopback that speaks the AWS JSON 1.1 protocol (`X-Amz-Target:
 * TrentService.<Op>`), so `@aws-sdk/client-kms` and `aws kms … --endpoint-url` work
 * unchanged. Ciphertext blobs name their key and authenticate their encryption context,
 * as KMS's do. Master keys persist under `dataDir`, so old ciphertext decrypts after a
 * restart. Nothing here logs: key material and plaintext never reach a log line.
 */
export const startKmsStandIn = async (options: KmsStandInOptions = {}): Promise<KmsStandIn> => {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const aliasName = options.aliasName ?? DEFAULT_DATA_KEY_ALIAS;
  const now = options.now ?? (() => new Date());
  const keyFile = options.dataDir === undefined ? null : join(options.dataDir, 'kms', 'keys.json');

  const ring = new KeyRing(region, accountId, keyFile ? await loadKeyFile(keyFile) : undefined);
  // Saves one at a time, so a later state never loses the race to an earlier one.
  let saving: Promise<void> = Promise.resolve();
  const persist = (): Promise<void> => {
    if (!keyFile) return Promise.resolve();
    saving = saving.catch(() => {}).then(() => saveKeyFile(keyFile, ring.state()));
    return saving;
  };
  if (!ring.alias(aliasName)) {
    const key = ring.createKey('SYMMETRIC_DEFAULT', 'Wraps the per-customer data keys', now());
    ring.createAlias(aliasName, key.keyId, now());
    await persist();
  }
  const dataKey = ring.resolve(aliasName);
  const context: OperationContext = { ring, persist, now };

  const counters = { requests: 0, injectedFaults: 0 };
  const perOperation: Partial<Record<KmsOperationName, number>> = {};
  let faults = 0;
  let faultType: InjectedFault = 'KMSInternalException';

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
      });
      response.end(JSON.stringify(payload));
    };
    try {
      counters.requests++;
      const target = request.headers['x-amz-target'];
      const text = await readBody(request);
      const name =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX)
          ? target.slice(TARGET_PREFIX.length)
          : undefined;
      if (request.method !== 'POST' || name === undefined || !isKmsOperationName(name))
        throw new KmsError(
          'UnknownOperationException',
          `Operation ${String(target ?? request.method)} is not supported by this stand-in.`,
        );
      perOperation[name] = (perOperation[name] ?? 0) + 1;
      if (faults > 0) {
        faults--;
        counters.injectedFaults++;
        throw injectedFault(faultType);
      }
      reply(200, await OPERATIONS[name](parseBody(text), context));
    } catch (error) {
      if (error instanceof KmsError)
        reply(error.status, { __type: error.type, message: error.message });
      // The message of an unexpected error could quote input; the type is enough.
      else reply(500, { __type: 'KMSInternalException', message: 'Internal failure.' });
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // Keep-alive sockets would otherwise keep answering while "paused".
      server.closeAllConnections();
    });

  const port = await listen(options.port ?? 0);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    region,
    accountId,
    keyId: dataKey.keyId,
    keyArn: ring.keyArn(dataKey.keyId),
    aliasName,
    keyFile,
    clientConfig: {
      endpoint,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    },
    failNextRequests: (count, type = 'KMSInternalException') => {
      faults = count;
      faultType = type;
    },
    pause: close,
    resume: async () => {
      if (!server.listening) await listen(port);
    },
    stats: () => ({ ...counters, operations: { ...perOperation } }),
    stop: async () => {
      await close();
      await saving.catch(() => {});
    },
  };
};
