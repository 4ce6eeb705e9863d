/**
 * A hand-written command server for the whole-service benchmark: `node:http` and the AWS
 * SDK, no framework. Run as its own process, like `npm start`, so both pay for HTTP,
 * JSON and the SDK in the same way. Settings come from the environment the benchmark sets:
 * RAW_ENDPOINT (DynamoDB), RAW_TABLE, RAW_MODE (`raw` | `guarded` | `late-release`).
 * Prints `listening <url>` once it serves.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDocumentClient } from '../src/adapters/dynamodb/document-client.js';
import { RawSdkBaseline } from './raw-baseline.js';

const endpoint = process.env.RAW_ENDPOINT;
const tableName = process.env.RAW_TABLE;
const mode = process.env.RAW_MODE ?? 'raw';
if (!endpoint || !tableName || !['raw', 'guarded', 'late-release'].includes(mode)) {
  console.error('RAW_ENDPOINT, RAW_TABLE and RAW_MODE (raw, guarded, late-release) are needed');
  process.exit(2);
}

const client = createDocumentClient({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const raw = new RawSdkBaseline(client, tableName, {
  emailClaims: mode !== 'raw',
  releaseAfterCommit: mode === 'late-release',
});

const readJson = async (request: IncomingMessage): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('body: not an object');
  return parsed as Record<string, unknown>;
};

const text = (body: Record<string, unknown>, field: string): string => {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${field}: required`);
  return value;
};

const answer = (response: ServerResponse, status: number, body: unknown) => {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  response.end(json);
};

const server = createServer((request, response) => {
  void (async () => {
    try {
      const key = request.headers['idempotency-key'];
      const commandId = typeof key === 'string' && mode !== 'raw' ? key : undefined;
      const emailPath = /^\/customers\/([^/]+)\/email$/.exec(request.url ?? '');
      if (request.method === 'POST' && request.url === '/customers') {
        const body = await readJson(request);
        const customerId = text(body, 'customerId');
        const version = await raw.register(
          customerId,
          text(body, 'email'),
          text(body, 'name'),
          commandId,
        );
        return answer(response, 201, { customerId, version });
      }
      if (request.method === 'PUT' && emailPath?.[1]) {
        const body = await readJson(request);
        const customerId = decodeURIComponent(emailPath[1]);
        const version = await raw.updateEmail(customerId, text(body, 'email'), commandId);
        return answer(response, 200, { customerId, version });
      }
      return answer(response, 404, { error: 'not found' });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      return answer(response, name === 'TypeError' || name === 'SyntaxError' ? 400 : 500, {
        error: name,
      });
    }
  })();
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => {
  server.close();
  client.destroy();
  process.exit(0);
});
