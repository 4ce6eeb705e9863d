import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AGGREGATES } from '../src/composition/aggregates.js';
import { CustomerServiceStack } from './customer-service-stack.js';
import { readStackContext } from './stack-context.js';

const app = new App();
const stackName = app.node.tryGetContext('stackName') ?? 'CustomerService';

new CustomerServiceStack(app, 'CustomerService', {
  stackName,
  description: 'CQRS and event-sourced Customer service',
  // Its bus rule, view tables and their grants follow the service's aggregates.
  aggregates: AGGREGATES,
  // Environment-agnostic unless the CLI knows the account: synth needs no credentials.
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
  ...readStackContext(app.node),
});

// Any unacknowledged AwsSolutions finding stops synthesis, and with it a deploy.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
