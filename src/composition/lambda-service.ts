import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { PowertoolsLoggerAdapter } from '../adapters/powertools/powertools-logger.js';
import { readConfig } from '../config.js';
import { CustomerService } from './customer-service.js';

/**
 * The service as a Lambda container holds it: configuration read once from the function's
 * environment, clients from the SDK's own chain (the function's role and region), created
 * at the cold start and reused by every warm invocation.
 */
export const lambdaService = (options: { eventBridge?: boolean } = {}) => {
  const config = readConfig();
  const logger = new PowertoolsLoggerAdapter({
    serviceName: config.SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
  });
  const service = new CustomerService({
    config,
    logger,
    clients: {
      dynamodb: createDocumentClient(),
      ...(options.eventBridge ? { eventBridge: new EventBridgeClient({}) } : {}),
      // The functions that read or write personal data get the KMS key's id from the stack.
      ...(config.KMS_KEY_ID ? { kms: new KMSClient({}) } : {}),
    },
  });
  return { service, logger };
};
