import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchPipelineHealth } from '../adapters/cloudwatch/cloudwatch-pipeline-health.js';
import { SqsDeadLetterQueue } from '../adapters/sqs/dead-letter-queue.js';
import { SqsQueueDepth } from '../adapters/sqs/sqs-queue-depth.js';
import type { OperationsDependencies } from '../app/http/operations-routes.js';
import { DeadLetterOperations } from '../app/operations/dead-letter-operations.js';
import type { CustomerService } from './customer-service.js';

/**
 * The operations routes on AWS, served by the command function (it reads the event store,
 * which the audit and the diagnosis replay): queue depths and the dead-letter redrive
 * through SQS, the stream's lag and the charts from CloudWatch. Undefined when the stack
 * has not named the queues and the publisher.
 */
export const awsOperations = (service: CustomerService): OperationsDependencies | undefined => {
  const { config } = service;
  const projectionQueueUrl = config.PROJECTION_QUEUE_URL;
  const deadLetterQueueUrl = config.PROJECTION_DLQ_URL;
  const publisher = config.PUBLISHER_FUNCTION_NAME;
  if (!projectionQueueUrl || !deadLetterQueueUrl || !publisher) return undefined;
  const sqs = new SQSClient({});
  const { events, views } = service.auditSources;
  return {
    health: new CloudWatchPipelineHealth({
      client: new CloudWatchClient({}),
      projectionQueue: new SqsQueueDepth({ client: sqs, queueUrl: projectionQueueUrl }),
      deadLetterQueue: new SqsQueueDepth({ client: sqs, queueUrl: deadLetterQueueUrl }),
      publisherFunctionName: publisher,
      metricsNamespace: config.METRICS_NAMESPACE,
      serviceName: config.SERVICE_NAME,
    }),
    audit: { events, views },
    deadLetters: new DeadLetterOperations({
      queue: new SqsDeadLetterQueue({ client: sqs, queueUrl: deadLetterQueueUrl }),
      targetQueueUrl: projectionQueueUrl,
      events,
    }),
  };
};
