import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CustomerServiceStack } from '../../infra/customer-service-stack.js';
import { ServiceFunction } from '../../infra/service-function.js';
import type { Deployment } from './evaluate-calls.js';
import { nameCorrespondence } from './evaluate-calls.js';
import { type CfnTemplate, resolve } from './stack-policies.js';

/** The same feature flags `cdk synth` uses, so the template is the deployed one. */
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The stack as `cdk synth` writes it (functions stubbed: only their roles matter here). */
export const synthesize = () => {
  const app = new App({ context: cdkJson.context });
  const stack = new CustomerServiceStack(app, 'Test', { functionCode: 'stub' });
  return { stack, template: Template.fromStack(stack).toJSON() as CfnTemplate };
};

/** Every function of the stack by construct id (`CommandApi`), with its logical id. */
export const stackFunctions = (stack: CustomerServiceStack) =>
  stack.node.children
    .filter((child): child is ServiceFunction => child instanceof ServiceFunction)
    .map((service) => ({
      id: service.node.id,
      functionId: stack.resolve(service.function.functionName).Ref as string,
      roleId: stack.resolve(service.role.roleArn)['Fn::GetAtt'][0] as string,
    }));

/**
 * The deployed value of each output that names a resource, and its local counterpart: the
 * correspondence that turns deployed names into local ones (environments) and back (ARNs).
 */
export const deployment = (
  template: CfnTemplate,
  localByOutput: Record<string, string>,
): Deployment & { localOf: (deployed: string) => string | undefined } => {
  const pairs = Object.entries(localByOutput).map(([output, local]): [string, string] => {
    const value = template.Outputs?.[output]?.Value;
    if (value === undefined) throw new Error(`The stack has no output ${output}`);
    return [local, String(resolve(template, value))];
  });
  const localByDeployed = new Map(pairs.map(([local, deployed]) => [deployed, local]));
  return {
    template,
    names: nameCorrespondence(pairs),
    localOf: (deployed) => localByDeployed.get(deployed),
  };
};
