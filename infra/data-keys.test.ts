import { readFileSync } from 'node:fs';
import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CustomerServiceStack } from './customer-service-stack.js';
import type { ServiceFunction } from './service-function.js';

const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);

/** Every statement of every identity policy in the template, with the roles it is on. */
const allStatements = (template: Template): { roles: string; statement: Statement }[] =>
  (Object.values(template.findResources('AWS::IAM::Policy')) as Json[]).flatMap((policy) => {
    const properties = policy.Properties as Json;
    const roles = JSON.stringify(properties.Roles ?? []);
    return (properties.PolicyDocument as { Statement: Statement[] }).Statement.map((statement) => ({
      roles,
      statement,
    }));
  });
const kmsActionsOf = (statement: Statement) =>
  asList(statement.Action).filter((a) => a.startsWith('kms:'));
const kmsGrantsOf = (template: Template, stack: Stack, fn: ServiceFunction) => {
  const roleId = logicalId(stack, fn.role);
  return allStatements(template)
    .filter(({ roles, statement }) => roles.includes(roleId) && kmsActionsOf(statement).length > 0)
    .map(({ statement }) => statement);
};

describe('CustomerServiceStack: the data keys’ KMS key', () => {
  let stack: CustomerServiceStack;
  let template: Template;
  let keyId: string;

  beforeAll(() => {
    const app = new App({ context: cdkJson.context });
    stack = new CustomerServiceStack(app, 'Test', { functionCode: 'stub' });
    template = Template.fromStack(stack);
    keyId = logicalId(stack, stack.dataKeys);
  });

  it('creates one symmetric key with rotation on, kept when the stack goes', () => {
    const keys = template.findResources('AWS::KMS::Key');
    const key = keys[keyId] as Json;
    expect(key).toBeDefined();
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    expect((key.Properties as Json).KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('grants KMS only on its key in the operator tools’ managed policies too', () => {
    const statements = (
      Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as Json[]
    ).flatMap(
      (policy) =>
        ((policy.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
    );
    for (const statement of statements.filter((s) => kmsActionsOf(s).length > 0)) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(kmsActionsOf(statement)).toEqual(['kms:Decrypt']);
    }
  });

  it('grants KMS only on its key: no statement names another resource or "*"', () => {
    const kmsStatements = allStatements(template).filter(
      ({ statement }) => kmsActionsOf(statement).length > 0,
    );
    expect(kmsStatements.length).toBeGreaterThan(0);
    for (const { statement } of kmsStatements) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      for (const action of kmsActionsOf(statement)) {
        expect(['kms:GenerateDataKey', 'kms:Decrypt']).toContain(action);
      }
      // Only under an encryption context naming a customer (data keys) or a purpose (HMAC).
      expect(statement.Condition).toEqual({
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['customerId', 'purpose'] },
        Null: { 'kms:EncryptionContextKeys': 'false' },
      });
    }
  });

  it('gives each function only the KMS actions it needs', () => {
    const actions = (fn: ServiceFunction) =>
      kmsGrantsOf(template, stack, fn).flatMap(kmsActionsOf).sort();
    expect(actions(stack.commandApi)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(actions(stack.projector)).toEqual(['kms:Decrypt']);
    expect(actions(stack.reconciler)).toEqual(['kms:Decrypt']);
    // The read model is plaintext by design, and the publisher forwards ciphertext.
    expect(actions(stack.queryApi)).toEqual([]);
    expect(actions(stack.publisher)).toEqual([]);
  });

  it('tells the functions that need it which key to use', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const keyIdOf = (fn: ServiceFunction) => {
      const resource = functions[logicalId(stack, fn.function)] as Json;
      const env = ((resource.Properties as Json).Environment as { Variables: Json }).Variables;
      return env.KMS_KEY_ID;
    };
    for (const fn of [stack.commandApi, stack.projector, stack.reconciler]) {
      expect(keyIdOf(fn)).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
    expect(keyIdOf(stack.queryApi)).toBeUndefined();
    expect(keyIdOf(stack.publisher)).toBeUndefined();
  });

  it('raises no cdk-nag finding on the key', () => {
    const { violations } = new AwsSolutionsChecks().validateScope(stack);
    const onKey = violations.filter((v) =>
      v.violatingResources.some((r) => r.constructPath?.includes('DataKeys')),
    );
    expect(onKey.map((v) => v.ruleName)).toEqual([]);
  });
});
