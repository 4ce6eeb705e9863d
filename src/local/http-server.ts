import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { assertPortFree } from './free-port.js';
import { onlyLoopbackHosts } from './loopback-host.js';

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the HTTP app on loopback; port 0 picks a free one. Requests addressed to any other
 * name than 127.0.0.1 or localhost at that port are refused (421).
 */
export const serveHttp = async (
  app: Pick<Hono, 'fetch'>,
  options: { port: number; host?: string },
): Promise<RunningHttpServer> => {
  const host = options.host ?? '127.0.0.1';
  if (options.port !== 0) await assertPortFree(options.port, host);
  let port = options.port;
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: onlyLoopbackHosts(app.fetch, () => port), port: options.port, hostname: host },
      (info: AddressInfo) => {
        port = info.port;
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              // Keep-alive connections would hold close() open.
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      },
    );
    server.once('error', reject);
  });
};
