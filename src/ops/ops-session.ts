import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsClients, awsClients } from '../composition/aws-clients.js';
import { callBudget } from '../composition/call-budget.js';
import { Service } from '../composition/service.js';
import { readConfig } from '../config.js';
import { silentLogger } from '../core/ports.js';
import { type Env, endpointClientConfig } from '../local/local-endpoints.js';
import { type CliIo, EXIT_FAILED, errorMessage } from './cli-io.js';
import { type OpsTarget, resolveOpsTarget } from './ops-target.js';

/** Local emulators take any region and credentials; us-east-1 is the usual one in their ARNs. */
export const sqsClientConfig = (env: Env): SQSClientConfig =>
  endpointClientConfig(env, 'SQS', 'us-east-1');

/**
 * What an operations tool works with: the target it found (said on the first line), the
 * service composed on clients aimed there, and an SQS client when the tool needs queues.
 */
export interface OpsSession {
  target: OpsTarget;
  env: Env;
  service: Service;
  /** Builds any further client the tool needs, held to the same call budget. */
  aws: AwsClients;
  /** The document client the service is composed on (a tool's own item writes). */
  dynamodb: DynamoDBDocumentClient;
  sqs(): SQSClient;
  /** The event store table's stream (stream-failure replay). */
  streams(): DynamoDBStreamsClient;
  /** The bus the service publishes to (replays); the service's publisher uses it too. */
  eventBridge: EventBridgeClient;
  /** A setting the tool cannot do without, such as a queue URL. */
  required(name: string, what: string): string;
  close(): void;
}

/**
 * Finds the target and says which it is on the first line: on stdout, or on stderr when
 * stdout carries JSON. Throws `OpsTargetError` with what to do when there is none.
 */
export const openOpsSession = (
  env: Env,
  io: CliIo,
  options: { json?: boolean; cwd?: string } = {},
): OpsSession => {
  const target = resolveOpsTarget(env, options.cwd);
  (options.json ? io.err : io.out)(target.description);
  const settings = target.env;
  const config = readConfig(settings);
  const aws = awsClients(callBudget(config));
  const dynamodb = aws.documents(endpointClientConfig(settings, 'DYNAMODB', 'us-east-1'));
  // With a KMS key the tools decrypt what they read, as the service does.
  const kms = config.KMS_KEY_ID
    ? aws.kms(endpointClientConfig(settings, 'KMS', 'us-east-1'))
    : undefined;
  // Makes no call until a tool publishes or replays.
  const eventBridge = aws.eventBridge(endpointClientConfig(settings, 'EVENTBRIDGE', 'us-east-1'));
  const service = new Service({
    config,
    clients: { dynamodb, eventBridge, ...(kms ? { kms } : {}) },
    logger: silentLogger,
  });
  let sqs: SQSClient | undefined;
  let streams: DynamoDBStreamsClient | undefined;
  return {
    target,
    env: settings,
    service,
    aws,
    dynamodb,
    sqs: () => {
      sqs ??= aws.sqs(sqsClientConfig(settings));
      return sqs;
    },
    streams: () => {
      // DynamoDB Local serves its streams on the same endpoint.
      streams ??= aws.streams(endpointClientConfig(settings, 'DYNAMODB', 'us-east-1'));
      return streams;
    },
    eventBridge,
    required: (name, what) => {
      const value = settings[name];
      if (!value) throw new Error(`${name} is not set (${what})`);
      return value;
    },
    close: () => {
      dynamodb.destroy();
      kms?.destroy();
      sqs?.destroy();
      streams?.destroy();
      eventBridge.destroy();
    },
  };
};

/**
 * Runs one operations command: `run` opens the session when its arguments are parsed, and
 * its answer is the exit code. Any failure is one line on stderr (`<label>: <why>`, never a
 * stack trace) and exit 2; the session is closed either way.
 */
export const runOpsTool = async (
  context: { env: Env; io: CliIo; label: string },
  run: (open: (options?: { json?: boolean }) => OpsSession) => Promise<number>,
): Promise<number> => {
  let session: OpsSession | undefined;
  try {
    return await run((options) => {
      session = openOpsSession(context.env, context.io, options);
      return session;
    });
  } catch (error) {
    context.io.err(`${context.label}: ${errorMessage(error)}`);
    return EXIT_FAILED;
  } finally {
    session?.close();
  }
};
