import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { isDirectQueryInvocation, runDirectQuery } from '../app/customer/direct-queries.js';
import { customerModule } from '../app/customer/module.js';
import { lambdaService } from '../composition/lambda-service.js';
import { FileConsoleAssets } from '../console/file-console-assets.js';

const { service, logger, instrument, authenticate } = lambdaService();
// The console's bundle ships beside the handler (`console/`, written at bundling time).
const consoleAssets = new FileConsoleAssets(fileURLToPath(new URL('./console/', import.meta.url)));
const http = handle(service.httpApp({ queries: true }, { console: consoleAssets, authenticate }));

/** API Gateway HTTP API (v2) events, or the direct invocation `{ queryType, ... }`. */
export const handler = instrument(
  async (event: APIGatewayProxyEventV2 | unknown, context: Context) => {
    if (isDirectQueryInvocation(event)) {
      return runDirectQuery(
        service.aggregate(customerModule).queries,
        event,
        context.awsRequestId,
        logger,
      );
    }
    return http(event as Parameters<typeof http>[0], context);
  },
);
