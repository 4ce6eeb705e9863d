import { createServer } from 'node:net';

/** A port the OS says is free on loopback right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/**
 * A free loopback port held until `release()`: for a port that must be known long before
 * its server listens (the console's redirect URIs name the HTTP port), so that nothing else
 * takes it in between.
 */
export const reservePort = (): Promise<{ port: number; release(): Promise<void> }> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ port, release: () => new Promise((done) => server.close(() => done())) });
    });
  });

/** Rejects with a clear message when something already listens on `port`. */
export const assertPortFree = (port: number, host = '127.0.0.1'): Promise<void> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on ${host} is already in use: stop what uses it or set PORT`)
          : error,
      );
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
