import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewReader } from '../adapters/dynamodb/dynamodb-customer-view-reader.js';
import { PowertoolsLoggerAdapter } from '../adapters/powertools/powertools-logger.js';
import { CustomerQueryService } from '../app/customer-queries.js';
import { isDirectQueryInvocation, runDirectQuery } from '../app/direct-queries.js';
import { createHttpApp } from '../app/http/app.js';
import { readConfig } from '../config.js';

// Created once per container, reused by every warm invocation.
const config = readConfig();
const logger = new PowertoolsLoggerAdapter({
  serviceName: config.SERVICE_NAME,
  logLevel: config.LOG_LEVEL,
});
const queries = new CustomerQueryService({
  reader: new DynamoDBCustomerViewReader({
    client: createDocumentClient(),
    tableName: config.QUERY_TABLE,
  }),
  minVersionWaitMs: config.MIN_VERSION_WAIT_MS,
});
const http = handle(createHttpApp({ queries, logger }));

/** API Gateway HTTP API (v2) events, or the direct invocation `{ queryType, ... }`. */
export const handler = async (event: APIGatewayProxyEventV2 | unknown, context: Context) => {
  logger.powertools.addContext(context);
  if (isDirectQueryInvocation(event)) {
    return runDirectQuery(queries, event, context.awsRequestId, logger);
  }
  return http(event as Parameters<typeof http>[0], context);
};
