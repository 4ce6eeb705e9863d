import { createServer } from 'node:net';

/**
 * The fixed ports of `npm start`, each overridable by its variable, so the AWS CLI, NoSQL
 * Workbench or dynamodb-admin can be aimed at the stack without reading its log. All below
 * 32768, outside Linux's ephemeral range, so the OS never hands them out to a client.
 */
export const LOCAL_PORTS = {
  http: { variable: 'PORT', defaultPort: 3000 },
  dynamodb: { variable: 'DYNAMODB_PORT', defaultPort: 8000 },
  sqs: { variable: 'SQS_PORT', defaultPort: 9324 },
  eventbridge: { variable: 'EVENTBRIDGE_PORT', defaultPort: 9325 },
  kms: { variable: 'KMS_PORT', defaultPort: 9326 },
  /** The local OpenID issuer of `--auth=oidc` (checked only in that mode). */
  oidc: { variable: 'OIDC_PORT', defaultPort: 9400 },
} as const;

export type LocalComponent = keyof typeof LOCAL_PORTS;
export type LocalPorts = Record<LocalComponent, number>;

export class LocalPortError extends Error {
  override readonly name = 'LocalPortError';
}

/** The port of every component from the environment; 0 means any free port. */
export const readLocalPorts = (env: Record<string, string | undefined>): LocalPorts => {
  const ports = {} as LocalPorts;
  for (const [component, { variable, defaultPort }] of Object.entries(LOCAL_PORTS)) {
    const raw = env[variable];
    const port = raw === undefined || raw === '' ? defaultPort : Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new LocalPortError(`${variable} must be a whole number from 0 to 65535, not "${raw}"`);
    }
    ports[component as LocalComponent] = port;
  }
  return ports;
};

const isFree = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen(port, host, () => server.close(() => resolve(true)));
  });

/**
 * Fails at once, before anything starts, when a fixed port is taken, naming the port and
 * the variable that moves it.
 */
export const assertLocalPortsFree = async (ports: LocalPorts, host = '127.0.0.1') => {
  for (const [component, port] of Object.entries(ports)) {
    if (port === 0 || (await isFree(port, host))) continue;
    const { variable } = LOCAL_PORTS[component as LocalComponent];
    throw new LocalPortError(
      `Port ${port} on ${host} (${component}) is already in use: stop what uses it, or set ${variable} to another port (0 picks a free one).`,
    );
  }
};
