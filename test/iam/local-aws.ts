import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AGGREGATES } from '../../src/composition/aggregates.js';
import { readConfig } from '../../src/config.js';
import {
  type EventBridgeStandIn,
  startEventBridgeStandIn,
} from '../../src/local/eventbridge-standin.js';
import { type KmsStandIn, startKmsStandIn } from '../../src/local/kms/kms-standin.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/local-endpoints.js';
import { localProjectionRule } from '../../src/local/local-projection-rule.js';
import { type SqsEmulator, startSqsEmulator } from '../../src/local/sqs-emulator.js';
import { createTestTables, type TestTables } from '../support/dynamodb.js';

/**
 * The stack's resources on one machine: both tables on DynamoDB Local, the queues on
 * fauxqs, the bus and its projection rule on the EventBridge stand-in, the data keys' key
 * on the KMS stand-in, and CloudWatch answering `GetMetricData` with no data points.
 */
export interface LocalAws {
  tables: TestTables;
  sqs: SqsEmulator;
  kms: KmsStandIn;
  eventBridge: EventBridgeStandIn;
  streamFailureQueueUrl: string;
  busName: string;
  /** A client for the test's own reads of the queues. */
  sqsClient: SQSClient;
  /** Clients the stand-ins call AWS with themselves (EventBridge's delivery to the queue). */
  standInClients: SQSClient[];
  /** Where every SDK client of the code under test is aimed, and its credentials. */
  clientEnvironment: Record<string, string>;
  /**
   * The local counterpart of each of the stack's outputs that names a resource: what maps a
   * deployed name to a local one and back.
   */
  byOutput: Record<string, string>;
  stop(): Promise<void>;
}

const cloudWatchWithoutData = async (): Promise<Server> => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ MetricDataResults: [], Messages: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};

export const startLocalAws = async (): Promise<LocalAws> => {
  const region = LOCAL_REGION;
  const tables = await createTestTables();
  const sqs = await startSqsEmulator({ region });
  const sqsClient = new SQSClient(sqs.clientConfig);
  // The stand-in delivers to the queue with a client of its own, as EventBridge would.
  const deliveryClient = new SQSClient(sqs.clientConfig);
  const { QueueUrl: streamFailureQueueUrl = '' } = await sqsClient.send(
    new CreateQueueCommand({ QueueName: 'stream-failures' }),
  );
  const kms = await startKmsStandIn({ region });
  const busName = readConfig({}).EVENT_BUS_NAME;
  const eventBridge = await startEventBridgeStandIn({
    sqs: deliveryClient,
    region,
    rules: [
      localProjectionRule({
        source: readConfig({}).EVENT_SOURCE_NAME,
        aggregates: AGGREGATES,
        eventBusName: busName,
        queues: sqs,
      }),
    ],
  });
  const cloudWatch = await cloudWatchWithoutData();
  return {
    tables,
    sqs,
    kms,
    eventBridge,
    streamFailureQueueUrl,
    busName,
    sqsClient,
    standInClients: [deliveryClient],
    clientEnvironment: {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: tables.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: `http://127.0.0.1:${(cloudWatch.address() as AddressInfo).port}`,
    },
    byOutput: {
      EventStoreTableName: tables.eventStoreTableName,
      CustomerViewsTableName: tables.viewsTableName,
      LiveViewsTableName: tables.viewsTableName,
      DataKeysKeyArn: kms.keyArn,
      EventBusName: busName,
      ProjectionQueueUrl: sqs.queueUrl,
      ProjectionDeadLetterQueueUrl: sqs.dlqUrl,
      StreamFailureQueueUrl: streamFailureQueueUrl,
    },
    async stop() {
      await new Promise((resolve) => cloudWatch.close(resolve));
      await eventBridge.stop();
      await kms.stop();
      sqsClient.destroy();
      deliveryClient.destroy();
      await sqs.stop();
      await tables.dispose();
    },
  };
};
