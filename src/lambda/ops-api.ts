import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { awsOperations } from '../composition/aws-operations.js';
import { lambdaService } from '../composition/lambda-service.js';

const { service, aws, instrument, authenticate } = lambdaService();
// `/ops/*` only: pipeline health, one customer's audit, the dead letters and their redrive.
const http = handle(service.httpApp({}, { operations: awsOperations(service, aws), authenticate }));

/** API Gateway HTTP API (v2) events for the operations routes. */
export const handler = instrument(
  async (event: APIGatewayProxyEventV2 | unknown, context: Context) =>
    http(event as Parameters<typeof http>[0], context),
);
