import { CloudWatchPipelineHealth } from '../adapters/cloudwatch/cloudwatch-pipeline-health.js';
import { SqsDeadLetterQueue } from '../adapters/sqs/dead-letter-queue.js';
import { SqsQueueDepth } from '../adapters/sqs/sqs-queue-depth.js';
import type { OperationsDependencies } from '../app/http/operations-routes.js';
import { DeadLetterOperations } from '../app/operations/dead-letter-operations.js';
import { ConfigError } from '../config.js';
import type { AwsClients } from './aws-clients.js';
import type { Service } from './service.js';

/**
 * The operations routes on AWS: queue depths and the dead-letter redrive through SQS, the
 * stream's lag and the charts from CloudWatch, the audit and the diagnosis from the event
 * store and the read model, and the view repair. They need a role of their own (both tables
 * read, conditional view puts, the queues, CloudWatch), which neither the command nor the
 * query function holds.
 */
export const awsOperations = (service: Service, aws: AwsClients): OperationsDependencies => {
  const { config } = service;
  const projectionQueueUrl = config.PROJECTION_QUEUE_URL;
  const deadLetterQueueUrl = config.PROJECTION_DLQ_URL;
  const publisher = config.PUBLISHER_FUNCTION_NAME;
  if (!projectionQueueUrl || !deadLetterQueueUrl || !publisher) {
    throw new ConfigError(
      'Invalid configuration: the operations routes need PROJECTION_QUEUE_URL, PROJECTION_DLQ_URL and PUBLISHER_FUNCTION_NAME',
    );
  }
  // The client's endpoint (the region's, or AWS_ENDPOINT_URL_SQS) is where the queues are.
  const sqs = aws.sqs();
  const { events, views, repair } = service.auditSources;
  return {
    health: new CloudWatchPipelineHealth({
      client: aws.cloudWatch(),
      projectionQueue: new SqsQueueDepth({ client: sqs, queueUrl: projectionQueueUrl }),
      deadLetterQueue: new SqsQueueDepth({ client: sqs, queueUrl: deadLetterQueueUrl }),
      publisherFunctionName: publisher,
      metricsNamespace: config.METRICS_NAMESPACE,
      serviceName: config.SERVICE_NAME,
    }),
    audit: { events, views },
    repair,
    deadLetters: new DeadLetterOperations({
      queue: new SqsDeadLetterQueue({ client: sqs, queueUrl: deadLetterQueueUrl }),
      targetQueueUrl: projectionQueueUrl,
      streams: service.streamTypes,
    }),
  };
};
