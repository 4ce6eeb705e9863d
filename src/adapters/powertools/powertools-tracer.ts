import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray through Powertools: SDK clients passed to `capture` record a subsegment per call
 * under the function's segment (the stack turns active tracing on). Outside Lambda the
 * tracer disables itself, so tests and `npm start` pay nothing.
 */
export class PowertoolsTracerAdapter {
  readonly powertools: Tracer;

  constructor(options: { serviceName: string }) {
    this.powertools = new Tracer({ serviceName: options.serviceName, captureHTTPsRequests: true });
  }

  /** The same client, its calls traced. */
  capture<Client extends object>(client: Client): Client {
    return this.powertools.captureAWSv3Client(client);
  }
}
