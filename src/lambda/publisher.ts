import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createStreamPublisher } from '../adapters/eventbridge/eventbridge-publisher.js';
import { PowertoolsLoggerAdapter } from '../adapters/powertools/powertools-logger.js';
import { readConfig } from '../config.js';

// Created once per container, reused by every warm invocation.
const config = readConfig();
const logger = new PowertoolsLoggerAdapter({
  serviceName: config.SERVICE_NAME,
  logLevel: config.LOG_LEVEL,
});
const client = new EventBridgeClient({});

export const handler = createStreamPublisher({
  client,
  busName: config.EVENT_BUS_NAME,
  source: config.EVENT_SOURCE_NAME,
  logger,
});
