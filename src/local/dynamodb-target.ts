import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

export interface ExternalDynamoDB {
  /** What to tell the user: where the data lives. */
  description: string;
  clientConfig: DynamoDBClientConfig;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const hasRealCredentials = (env: NodeJS.ProcessEnv) =>
  Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);

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
      clientConfig: {
        region: env.AWS_REGION ?? 'local',
        ...(hasRealCredentials(env) ? {} : { credentials: LOCAL_CREDENTIALS }),
      },
    };
  }
  if (hasRealCredentials(env) && env.LOCAL_DYNAMODB !== 'true') {
    return { description: 'DynamoDB on AWS (your credentials)', clientConfig: {} };
  }
  return undefined;
};
