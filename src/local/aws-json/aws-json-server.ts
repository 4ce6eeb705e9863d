import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An error a stand-in answers on the wire, `{"__type": type, "message": message}` with
 * `status`; every stand-in's wire errors are these (or subclasses).
 */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsJsonError';
  }
}

export type Operation = (input: Record<string, unknown>) => unknown;

export interface AwsJsonServerOptions {
  /** Fixed port, or 0 for any free one. */
  port: number;
  /** The service's `X-Amz-Target` prefix, e.g. `AWSEvents` or `TrentService`. */
  targetPrefix: string;
  operations: Readonly<Record<string, Operation>>;
  /** The `__type` of an unexpected failure, as the service names its internal error. */
  internalErrorType: string;
  /** A guard against runaway bodies, far above any valid request. */
  maxBodyBytes: number;
  /** Runs before every known operation; throw an `AwsJsonError` to fail the request. */
  beforeOperation?: (name: string) => void;
  onRequest?: () => void;
}

export interface AwsJsonServer {
  endpoint: string;
  port: number;
  /** Stops listening and drops open connections: callers see connection refused. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const readBody = (request: IncomingMessage, maxBytes: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) {
        reject(new AwsJsonError('ValidationException', 'Request is too large.', 413));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

const parseInput = (body: string): Record<string, unknown> => {
  let input: unknown;
  try {
    input = body.trim() === '' ? {} : JSON.parse(body);
  } catch (error) {
    throw new AwsJsonError('SerializationException', 'Request body is not valid JSON.', 400, {
      cause: error,
    });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new AwsJsonError('SerializationException', 'Request body is not a JSON object.');
  return input as Record<string, unknown>;
};

/**
 * An HTTP server speaking the AWS JSON 1.1 protocol on 127.0.0.1: `POST /` with
 * `X-Amz-Target: <prefix>.<Operation>` and a JSON body, answered with JSON or with
 * `{"__type", "message"}` errors, so the real SDK clients and the AWS CLI can call it.
 * Requests are not signature-checked: any credentials will do.
 */
export const startAwsJsonServer = async (options: AwsJsonServerOptions): Promise<AwsJsonServer> => {
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
      options.onRequest?.();
      const target = request.headers['x-amz-target'];
      const body = await readBody(request, options.maxBodyBytes);
      const name =
        typeof target === 'string' && target.startsWith(`${options.targetPrefix}.`)
          ? target.slice(options.targetPrefix.length + 1)
          : undefined;
      const operation =
        request.method === 'POST' && name !== undefined && Object.hasOwn(options.operations, name)
          ? options.operations[name]
          : undefined;
      if (!operation || name === undefined)
        throw new AwsJsonError(
          'UnknownOperationException',
          `Operation ${String(target ?? request.method)} is not supported by this stand-in.`,
        );
      options.beforeOperation?.(name);
      reply(200, await operation(parseInput(body)));
    } catch (error) {
      if (error instanceof AwsJsonError)
        reply(error.status, { __type: error.type, message: error.message });
      // The message of an unexpected error could quote the input; the type is enough.
      else reply(500, { __type: options.internalErrorType, message: 'Internal failure.' });
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

  const port = await listen(options.port);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pause: close,
    resume: async () => {
      if (!server.listening) await listen(port);
    },
    stop: close,
  };
};
