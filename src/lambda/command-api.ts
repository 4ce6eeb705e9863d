import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { PowertoolsLoggerAdapter } from '../adapters/powertools/powertools-logger.js';
import { CustomerCommandService } from '../app/customer-commands.js';
import { isDirectCommandInvocation, runDirectCommand } from '../app/direct-commands.js';
import { createHttpApp } from '../app/http/app.js';
import { readConfig } from '../config.js';

// Created once per container, reused by every warm invocation.
const config = readConfig();
const logger = new PowertoolsLoggerAdapter({
  serviceName: config.SERVICE_NAME,
  logLevel: config.LOG_LEVEL,
});
const store = new DynamoDBEventStore({
  client: createDocumentClient(),
  tableName: config.COMMAND_TABLE,
  loadWindow: config.SNAPSHOT_EVERY + 1,
  commandRecordTtlSeconds: config.COMMAND_RECORD_TTL_DAYS * 86_400,
});
const commands = new CustomerCommandService({
  store,
  logger,
  snapshotEvery: config.SNAPSHOT_EVERY,
});
const http = handle(createHttpApp({ commands, logger }));

/** API Gateway HTTP API (v2) events, or the direct invocation `{ commandType, payload }`. */
export const handler = async (event: APIGatewayProxyEventV2 | unknown, context: Context) => {
  logger.powertools.addContext(context);
  if (isDirectCommandInvocation(event)) {
    return runDirectCommand(commands, event, context.awsRequestId, logger);
  }
  return http(event as Parameters<typeof http>[0], context);
};
