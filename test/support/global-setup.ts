import type { TestProject } from 'vitest/node';
import { type DynamoDBLocal, startDynamoDBLocal } from '../../src/local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/** One DynamoDB Local for the whole run, stopped by its own pid at the end. */
export default async function setup(project: TestProject) {
  let local: DynamoDBLocal | undefined;
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (endpoint) {
    project.provide('dynamoEndpoint', endpoint);
  } else {
    local = await startDynamoDBLocal();
    project.provide('dynamoEndpoint', local.endpoint);
  }
  return async () => {
    await local?.stop();
  };
}
