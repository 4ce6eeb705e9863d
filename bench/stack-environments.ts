import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { HandlerName } from '../infra/bundling.js';
import { CustomerServiceStack } from '../infra/customer-service-stack.js';
import { ServiceFunction } from '../infra/service-function.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

/** The logical id a reference points at (`Ref`, `Fn::GetAtt`), or any string inside it. */
const referenced = (value: unknown): string => {
  const text = JSON.stringify(value);
  return /"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/.exec(text)?.[1] ?? 'Resource';
};

/** A stand-in of the shape the variable holds on AWS, for a value only a deploy knows. */
const standIn = (name: string, value: unknown, endpoint: string): string => {
  const id = referenced(value);
  // Queue URLs and the sign-in issuer are URLs.
  if (name.endsWith('_URL') || name.endsWith('_ISSUER')) return `${endpoint}/${ACCOUNT}/${id}`;
  if (name === 'KMS_KEY_ID' || name.endsWith('_ARN')) {
    return `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-4000-8000-000000000000`;
  }
  return `bench-${id}`;
};

/**
 * Every handler's environment as the stack deploys it, read from the stack itself (with the
 * sign-in function too), so a variable a function needs cannot be missing here. Names only
 * a deploy knows (tables, queues, keys) get stand-ins of the same shape; URLs point at
 * `endpoint`.
 */
export const stackEnvironments = (
  endpoint: string,
): Partial<Record<HandlerName, Record<string, string>>> => {
  const app = new App();
  const stack = new CustomerServiceStack(app, 'Bench', {
    functionCode: 'stub',
    authorization: { type: 'cognito', domainPrefix: 'bench' },
    env: { account: ACCOUNT, region: REGION },
  });
  const environments: Partial<Record<HandlerName, Record<string, string>>> = {};
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof ServiceFunction)) continue;
    const cfn = construct.function.node.defaultChild as CfnFunction;
    const resolved = stack.resolve(cfn.environment) as
      | { variables?: Record<string, unknown> }
      | undefined;
    const variables: Record<string, string> = {};
    for (const [name, value] of Object.entries(resolved?.variables ?? {})) {
      variables[name] = typeof value === 'string' ? value : standIn(name, value, endpoint);
    }
    environments[construct.handler] = variables;
  }
  return environments;
};
