import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a stand-in that runs inside the test's own process, where a
 * SIGSTOP would stop the test too. Frozen, it does what the kernel does for a stopped
 * process: connections are still accepted and what clients send is taken in, but nothing
 * reaches the stand-in and nothing comes back. Thawed, what was held is delivered in order,
 * even from clients that gave up meanwhile, as a resumed process reads its sockets' buffers.
 */
export interface FreezingProxy {
  endpoint: string;
  freeze(): void;
  thaw(): void;
  /** Everything clients sent while frozen, as text (to see which calls were held). */
  held(): string;
  close(): Promise<void>;
}

interface Direction {
  queue: Buffer[];
  ended: boolean;
}

export const startFreezingProxy = async (target: string): Promise<FreezingProxy> => {
  const { hostname, port } = new URL(target);
  let frozen = false;
  let heldText = '';
  const flushes = new Set<() => void>();
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    const toUpstream: Direction = { queue: [], ended: false };
    const toClient: Direction = { queue: [], ended: false };
    const flush = () => {
      for (const chunk of toUpstream.queue.splice(0)) upstream.write(chunk);
      if (toUpstream.ended) upstream.end();
      for (const chunk of toClient.queue.splice(0)) if (!client.destroyed) client.write(chunk);
      if (toClient.ended) client.end();
    };
    flushes.add(flush);
    const forward = (direction: Direction, into: Socket) => (chunk: Buffer) => {
      if (frozen) {
        direction.queue.push(chunk);
        if (direction === toUpstream) heldText += chunk.toString('latin1');
      } else if (!into.destroyed) into.write(chunk);
    };
    const ending = (direction: Direction, into: Socket) => () => {
      direction.ended = true;
      if (!frozen) into.end();
    };
    client.on('data', forward(toUpstream, upstream));
    upstream.on('data', forward(toClient, client));
    // A client that gives up (the SDK's timeout destroys its socket) still leaves its
    // request in the stand-in's buffer: it is delivered on thaw.
    client.on('end', ending(toUpstream, upstream));
    client.on('close', ending(toUpstream, upstream));
    upstream.on('end', ending(toClient, client));
    upstream.on('close', () => {
      flushes.delete(flush);
      client.destroy();
    });
    client.on('error', () => {});
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${listening}`,
    freeze: () => {
      frozen = true;
      heldText = '';
    },
    thaw: () => {
      frozen = false;
      for (const flush of flushes) flush();
    },
    held: () => heldText,
    close: async () => {
      frozen = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
