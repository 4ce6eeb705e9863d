import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { customerModule } from '../app/customer/module.js';
import { isDirectCommandInvocation, runDirectCommand } from '../app/direct-commands.js';
import { lambdaService } from '../composition/lambda-service.js';

const { service, logger, instrument, authenticate } = lambdaService();
const http = handle(service.httpApp({ commands: true }, { authenticate }));

/** API Gateway HTTP API (v2) events, or the direct invocation `{ commandType, payload }`. */
export const handler = instrument(
  async (event: APIGatewayProxyEventV2 | unknown, context: Context) => {
    try {
      if (isDirectCommandInvocation(event)) {
        return await runDirectCommand(
          service.aggregate(customerModule).commands,
          event,
          context.awsRequestId,
          logger,
        );
      }
      return await http(event as Parameters<typeof http>[0], context);
    } finally {
      // A snapshot still being written would be frozen with the container.
      await service.settle();
    }
  },
);
