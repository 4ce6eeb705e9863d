import type { Context } from 'aws-lambda';
import { PowertoolsLoggerAdapter } from '../adapters/powertools/powertools-logger.js';
import { PowertoolsMetricsAdapter } from '../adapters/powertools/powertools-metrics.js';
import { PowertoolsTracerAdapter } from '../adapters/powertools/powertools-tracer.js';
import { apiGatewayAccess } from '../app/http/access-guard.js';
import { readConfig } from '../config.js';
import { awsClients } from './aws-clients.js';
import { callBudget } from './call-budget.js';
import { Service } from './service.js';

/**
 * The service as a Lambda container holds it: configuration read once from the function's
 * environment, clients from the SDK's own chain (the function's role and region), created
 * at the cold start and reused by every warm invocation, each held to a call budget below the
 * function's timeout.
 */
export const lambdaService = (options: { eventBridge?: boolean } = {}) => {
  const config = readConfig();
  const logger = new PowertoolsLoggerAdapter({
    serviceName: config.SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
  });
  const tracer = new PowertoolsTracerAdapter({ serviceName: config.SERVICE_NAME });
  const metrics = new PowertoolsMetricsAdapter({
    namespace: config.METRICS_NAMESPACE,
    serviceName: config.SERVICE_NAME,
  });
  const aws = awsClients(callBudget(config));
  const service = new Service({
    config,
    logger,
    metrics,
    clients: {
      dynamodb: tracer.capture(aws.documents()),
      ...(options.eventBridge ? { eventBridge: tracer.capture(aws.eventBridge()) } : {}),
      // The functions that read or write personal data get the KMS key's id from the stack.
      ...(config.KMS_KEY_ID ? { kms: tracer.capture(aws.kms()) } : {}),
    },
  });
  /**
   * The handler with the invocation's context in every log line, traced in its own
   * subsegment, and its metrics flushed.
   */
  const instrument =
    <Event, Result>(handler: (event: Event, context: Context) => Promise<Result>) =>
    async (event: Event, context: Context): Promise<Result> => {
      logger.powertools.addContext(context);
      try {
        return await tracer.traceInvocation(context.functionName, () => handler(event, context));
      } finally {
        metrics.flush();
      }
    };
  /** Every HTTP route checks its role against the caller API Gateway's authoriser named. */
  const authenticate = apiGatewayAccess({ scopePrefix: config.AUTH_SCOPE_PREFIX });
  return { service, aws, logger, metrics, tracer, instrument, authenticate };
};
