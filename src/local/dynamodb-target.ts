import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { type DynamoDBLocal, startDynamoDBLocal } from './dynamodb-local.js';

export interface DynamoDBTarget {
  /** What to tell the user: where the data lives. */
  description: string;
  clientConfig: DynamoDBClientConfig;
  /** True when this process started DynamoDB Local and owns its tables. */
  owned: boolean;
  local: DynamoDBLocal | undefined;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const hasRealCredentials = (env: NodeJS.ProcessEnv) =>
  Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);

/**
 * Which DynamoDB `npm start` uses: the one `AWS_ENDPOINT_URL_DYNAMODB` names; else DynamoDB
 * on AWS when credentials are configured (`AWS_PROFILE` or keys; `LOCAL_DYNAMODB=true`
 * overrides); else its own DynamoDB Local, with data kept on disk in `dataDir` between runs.
 */
export const resolveDynamoDB = async (
  env: NodeJS.ProcessEnv,
  options: { dataDir: string; dynamoPort?: number },
): Promise<DynamoDBTarget> => {
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
  if (endpoint) {
    return {
      description: `DynamoDB at ${endpoint}`,
      clientConfig: {
        region: env.AWS_REGION ?? 'local',
        ...(hasRealCredentials(env) ? {} : { credentials: LOCAL_CREDENTIALS }),
      },
      owned: false,
      local: undefined,
    };
  }
  if (hasRealCredentials(env) && env.LOCAL_DYNAMODB !== 'true') {
    return { description: 'DynamoDB on AWS', clientConfig: {}, owned: false, local: undefined };
  }
  const local = await startDynamoDBLocal({
    dataDir: options.dataDir,
    ...(options.dynamoPort ? { port: options.dynamoPort } : {}),
  });
  return {
    description: `DynamoDB Local at ${local.endpoint} (data in ${options.dataDir})`,
    clientConfig: { endpoint: local.endpoint, region: 'local', credentials: LOCAL_CREDENTIALS },
    owned: true,
    local,
  };
};
