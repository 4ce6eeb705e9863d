/** DynamoDB Local and the emulators take any credentials; these spare the user inventing some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The region of every local component (DynamoDB Local's shared database ignores it). */
export const LOCAL_REGION = 'us-east-1';

export type Env = Record<string, string | undefined>;

export const hasAwsCredentials = (env: Env): boolean =>
  Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);

/**
 * Client settings for a service the SDK's `AWS_ENDPOINT_URL_<SERVICE>` (or
 * `AWS_ENDPOINT_URL`) points at: that endpoint, plus a region and local credentials when
 * the environment has none. Empty when no endpoint is set: the SDK's own chain decides.
 */
export const endpointClientConfig = (
  env: Env,
  service: 'DYNAMODB' | 'SQS' | 'KMS' | 'EVENTBRIDGE',
  defaultRegion: string,
): { endpoint?: string; region?: string; credentials?: typeof LOCAL_CREDENTIALS } => {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  if (!endpoint) return {};
  return {
    endpoint,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? defaultRegion,
    ...(hasAwsCredentials(env) ? {} : { credentials: LOCAL_CREDENTIALS }),
  };
};
