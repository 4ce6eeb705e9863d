import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

export interface ExternalDynamoDB {
  /** What to tell the user: where the data lives. */
  description: string;
  clientConfig: DynamoDBClientConfig;
}

import { endpointClientConfig, hasAwsCredentials } from './local-endpoints.js';

/**
 * The DynamoDB `npm start` should use instead of starting its own: the one
 * `AWS_ENDPOINT_URL_DYNAMODB` names, else DynamoDB on AWS when credentials are configured
 * (`AWS_PROFILE` or keys; `LOCAL_DYNAMODB=true` overrides). `undefined`: start DynamoDB Local.
 */
export const externalDynamoDB = (env: NodeJS.ProcessEnv): ExternalDynamoDB | undefined => {
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
  if (endpoint) {
    return {
      description: `DynamoDB at ${endpoint}`,
      clientConfig: endpointClientConfig(env, 'DYNAMODB', 'local'),
    };
  }
  if (hasAwsCredentials(env) && env.LOCAL_DYNAMODB !== 'true') {
    return { description: 'DynamoDB on AWS (your credentials)', clientConfig: {} };
  }
  return undefined;
};
