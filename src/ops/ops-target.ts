import { resolve } from 'node:path';
import { findLocalStack, type LocalEndpoints } from '../local/endpoints-file.js';
import { DEFAULT_DATA_KEY_ALIAS } from '../local/kms/kms-standin.js';
import { type Env, hasAwsCredentials } from '../local/local-endpoints.js';

/**
 * Where an operations tool points: the environment it should read its settings from, and a
 * line saying so, printed first. Explicit settings (an `AWS_ENDPOINT_URL_*`, AWS credentials
 * or a profile) win; without any, the tool uses the local stack `npm start` is running,
 * found through `<DATA_DIR>/endpoints.json`.
 */
export interface OpsTarget {
  env: Env;
  description: string;
  local?: LocalEndpoints;
}

export class OpsTargetError extends Error {
  override readonly name = 'OpsTargetError';
}

const HOW_TO_TARGET_AWS =
  'To target AWS instead, set AWS_PROFILE (or AWS credentials) and AWS_REGION, plus the table and queue names the stack outputs.';

const explicitTarget = (env: Env): string | undefined => {
  const endpoint = Object.keys(env).find(
    (name) => name.startsWith('AWS_ENDPOINT_URL') && env[name],
  );
  if (endpoint) return `${endpoint}=${env[endpoint]}`;
  if (env.AWS_PROFILE) return `AWS profile ${env.AWS_PROFILE}`;
  if (hasAwsCredentials(env)) return 'AWS credentials from the environment';
  return undefined;
};

/**
 * The settings a tool would read, filled in from a running local stack; with an endpoint
 * and no credentials, the clients get local ones (`endpointClientConfig`).
 */
const localEnv = (endpoints: LocalEndpoints): Env => ({
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_SQS: endpoints.sqs,
  AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge,
  // The stand-in's key wraps the data keys, so the tools read what the service wrote.
  ...(endpoints.kms
    ? {
        AWS_ENDPOINT_URL_KMS: endpoints.kms,
        KMS_KEY_ID: endpoints.kmsKey?.arn ?? DEFAULT_DATA_KEY_ALIAS,
      }
    : {}),
  AWS_REGION: endpoints.region,
  COMMAND_TABLE: endpoints.tables.events,
  QUERY_TABLE: endpoints.tables.views,
  ...(endpoints.tables.viewTables
    ? { VIEW_TABLES: JSON.stringify(endpoints.tables.viewTables) }
    : {}),
  EVENT_BUS_NAME: endpoints.eventBus,
  PROJECTION_QUEUE_URL: endpoints.queues.projection,
  PROJECTION_DLQ_URL: endpoints.queues.dlq,
  ...(endpoints.queues.streamFailures
    ? { STREAM_FAILURE_QUEUE_URL: endpoints.queues.streamFailures }
    : {}),
});

export const resolveOpsTarget = (env: Env, cwd = process.cwd()): OpsTarget => {
  const explicit = explicitTarget(env);
  if (explicit) {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    return {
      env,
      description: `Using ${explicit}${region ? ` (region ${region})` : ''}.`,
    };
  }
  const dataDir = resolve(cwd, env.DATA_DIR ?? '.data');
  const stack = findLocalStack(dataDir);
  switch (stack.status) {
    case 'running': {
      const { endpoints } = stack;
      return {
        // Settings the user gave (a table name, a queue URL) still win over the file's.
        env: { ...localEnv(endpoints), ...env },
        description: `Using the local stack of npm start (pid ${endpoints.pid}): DynamoDB ${endpoints.dynamodb}, SQS ${endpoints.sqs}.`,
        local: endpoints,
      };
    }
    case 'stale':
      throw new OpsTargetError(
        `${stack.path} names npm start pid ${stack.pid}, which is no longer running (it did not stop cleanly). Start the stack again with \`npm start\`. ${HOW_TO_TARGET_AWS}`,
      );
    case 'unreadable':
      throw new OpsTargetError(
        `${stack.path} cannot be read: ${stack.reason}. Restart \`npm start\` to write it again. ${HOW_TO_TARGET_AWS}`,
      );
    case 'absent':
      throw new OpsTargetError(
        `No local stack is running (no ${stack.path}). Start one with \`npm start\` in another terminal (DATA_DIR names its folder). ${HOW_TO_TARGET_AWS}`,
      );
    default:
      return stack satisfies never;
  }
};
