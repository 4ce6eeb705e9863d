import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { PowertoolsLoggerAdapter } from '../adapters/powertools/powertools-logger.js';
import { createProjectorHandler } from '../app/projector.js';
import { readConfig } from '../config.js';

// Created once per container, reused by every warm invocation.
const config = readConfig();
const logger = new PowertoolsLoggerAdapter({
  serviceName: config.SERVICE_NAME,
  logLevel: config.LOG_LEVEL,
});
const client = createDocumentClient();

export const handler = createProjectorHandler({
  events: new DynamoDBEventStore({ client, tableName: config.COMMAND_TABLE }),
  views: new DynamoDBCustomerViewStore({ client, tableName: config.QUERY_TABLE }),
  logger,
});
