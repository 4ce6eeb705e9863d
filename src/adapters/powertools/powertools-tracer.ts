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

  /**
   * Runs one invocation in a `## <name>` subsegment annotated with the cold start and the
   * service. Neither the response nor an error is attached: both can hold personal data.
   */
  async traceInvocation<T>(name: string, run: () => Promise<T>): Promise<T> {
    const tracer = this.powertools;
    const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    if (!segment) return run();
    const subsegment = segment.addNewSubsegment(`## ${name}`);
    tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await run();
    } finally {
      subsegment.close();
      tracer.setSegment(segment);
    }
  }

  /** The same client, its calls traced. */
  capture<Client extends object>(client: Client): Client {
    return this.powertools.captureAWSv3Client(client);
  }
}
