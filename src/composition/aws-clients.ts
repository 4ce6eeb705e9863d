import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBStreamsClient,
  type DynamoDBStreamsClientConfig,
} from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient, type EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// The SDK's own retry strategy: every client above already depends on this package.
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, StandardRetryToken } from '@smithy/types';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { backoffCapMs, type CallBudget } from './call-budget.js';

/** The SDK's retries, with jittered backoffs under the budget's caps. */
class BudgetedRetryStrategy extends ConfiguredRetryStrategy {
  constructor(maxAttempts: number) {
    super(maxAttempts, (retry) => Math.floor(Math.random() * backoffCapMs(retry)));
  }

  override refreshRetryTokenForRetry(
    token: StandardRetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<StandardRetryToken> {
    // A server's retry-after hint could stretch a wait past the budget: the caps decide.
    const { error, errorType } = errorInfo;
    return super.refreshRetryTokenForRetry(token, { error, errorType });
  }
}

/** The settings that hold an SDK client to the budget: timeouts on every attempt, and its retries. */
export const budgetedClientSettings = (budget: CallBudget) => ({
  retryStrategy: new BudgetedRetryStrategy(budget.maxAttempts),
  requestHandler: {
    connectionTimeout: budget.connectTimeoutMs,
    requestTimeout: budget.requestTimeoutMs,
    // Without it the SDK only logs a warning when the request timeout passes.
    throwOnRequestTimeout: true,
    // Once the headers are in, the body may not stall longer than an attempt may take.
    socketTimeout: budget.requestTimeoutMs,
  },
});

/**
 * Every AWS client the service, the local runtime and the operations tools use, built here
 * and only here, held to one call budget. `base` carries what differs between places: an
 * endpoint, a region, credentials.
 */
export interface AwsClients {
  budget: CallBudget;
  dynamodb(base?: DynamoDBClientConfig): DynamoDBClient;
  /** A document client on its own DynamoDB client. */
  documents(base?: DynamoDBClientConfig): DynamoDBDocumentClient;
  streams(base?: DynamoDBStreamsClientConfig): DynamoDBStreamsClient;
  kms(base?: KMSClientConfig): KMSClient;
  /** Addressed through its endpoint, not the queue URL's host (an emulator's need not resolve). */
  sqs(base?: SQSClientConfig): SQSClient;
  eventBridge(base?: EventBridgeClientConfig): EventBridgeClient;
  cloudWatch(base?: CloudWatchClientConfig): CloudWatchClient;
}

export const awsClients = (budget: CallBudget): AwsClients => {
  const held = <Base extends object>(base: Base) => ({
    ...base,
    ...budgetedClientSettings(budget),
  });
  return {
    budget,
    dynamodb: (base = {}) => new DynamoDBClient(held(base)),
    documents: (base = {}) => createDocumentClient(held(base)),
    streams: (base = {}) => new DynamoDBStreamsClient(held(base)),
    kms: (base = {}) => new KMSClient(held(base)),
    sqs: (base = {}) => new SQSClient(held({ useQueueUrlAsEndpoint: false, ...base })),
    eventBridge: (base = {}) => new EventBridgeClient(held(base)),
    cloudWatch: (base = {}) => new CloudWatchClient(held(base)),
  };
};
