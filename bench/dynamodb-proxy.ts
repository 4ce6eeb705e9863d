import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyTally {
  /** Calls by operation (`Query`, `TransactWriteItems`, `GetRecords`, ...). */
  calls: Record<string, number>;
  /** Summed round-trip time through DynamoDB Local, by operation. */
  milliseconds: Record<string, number>;
}

/**
 * A counting HTTP proxy in front of DynamoDB Local, for servers that run in processes of
 * their own (`npm start`, the raw servers): every call they make, the stream reads of the
 * pipeline included, is counted by its `X-Amz-Target` under the label set at the time, and
 * its round trip timed. It passes bytes through unchanged.
 */
export class DynamoDBProxy {
  private server: Server | undefined;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly tallies = new Map<string, ProxyTally>();
  /** Where calls are counted now. */
  label = 'idle';

  constructor(private readonly target: URL) {}

  async start(): Promise<string> {
    this.server = createServer((incoming, outgoing) => {
      const label = this.label;
      const operation = String(incoming.headers['x-amz-target'] ?? 'unknown').replace(/^.*\./, '');
      const started = performance.now();
      const forward = httpRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
          agent: this.agent,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(outgoing);
          answer.on('end', () => this.record(label, operation, performance.now() - started));
        },
      );
      forward.on('error', () => outgoing.destroy());
      incoming.pipe(forward);
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  tally(label: string): ProxyTally {
    return this.tallies.get(label) ?? { calls: {}, milliseconds: {} };
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private record(label: string, operation: string, ms: number) {
    const tally = this.tallies.get(label) ?? { calls: {}, milliseconds: {} };
    tally.calls[operation] = (tally.calls[operation] ?? 0) + 1;
    tally.milliseconds[operation] = (tally.milliseconds[operation] ?? 0) + ms;
    this.tallies.set(label, tally);
  }
}
