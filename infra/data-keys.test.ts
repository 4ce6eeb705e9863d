import { readFileSync } from 'node:fs';
import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CustomerServiceStack } from './customer-service-stack.js';
import type { ServiceFunction } from './service-function.js';

const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Principal?: { AWS?: unknown; Service?: unknown };
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** Synthesis validates the template and takes a while on a busy machine. */
const SYNTH_TIMEOUT = 300_000;
const USE_ACTIONS = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant|\*)/;

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
  }, SYNTH_TIMEOUT);

  const keyPolicy = (t: Template = template, id = keyId) =>
    ((t.toJSON().Resources[id] as Json).Properties as { KeyPolicy: { Statement: Statement[] } })
      .KeyPolicy.Statement;
  const principalsOf = (statement: Statement) =>
    asList(statement.Principal?.AWS).map((p) => JSON.stringify(p));

  it('its policy is not CDK’s default: the account may administer the key, never use it', () => {
    const statements = keyPolicy();
    for (const statement of statements) expect(asList(statement.Action)).not.toContain('kms:*');
    const admin = statements.find((s) => s.Sid === 'KeyAdministration') as Statement;
    expect(principalsOf(admin)).toEqual([
      JSON.stringify({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
        ],
      }),
    ]);
    const actions = asList(admin.Action);
    expect(actions.filter((a) => USE_ACTIONS.test(a))).toEqual([]);
    // KMS refuses a policy nobody could change again; disabling and deletion stay possible.
    expect(actions).toEqual(
      expect.arrayContaining([
        'kms:PutKeyPolicy',
        'kms:DisableKey',
        'kms:ScheduleKeyDeletion',
        'kms:CancelKeyDeletion',
        'kms:EnableKeyRotation',
      ]),
    );
    for (const action of actions) expect(action).not.toMatch(/\*/);
    // Nothing but named roles is allowed any use, and the account root is not among them.
    const users = statements.filter((s) => s !== admin);
    for (const statement of users) {
      expect(asList(statement.Action).every((a) => USE_ACTIONS.test(a))).toBe(true);
      expect(JSON.stringify(statement.Principal)).not.toContain(':root');
    }
  });

  it('only the functions’ and tools’ roles that need it may use the key, under the encryption-context conditions', () => {
    const byRole = new Map<string, string[]>();
    for (const statement of keyPolicy().filter((s) => s.Sid !== 'KeyAdministration')) {
      expect(statement).toMatchObject({
        Effect: 'Allow',
        Resource: '*',
        Condition: {
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['customerId', 'purpose'] },
          Null: { 'kms:EncryptionContextKeys': 'false' },
        },
      });
      for (const principal of principalsOf(statement)) {
        byRole.set(principal, [...(byRole.get(principal) ?? []), ...asList(statement.Action)]);
      }
    }
    const role = (construct: { node: { defaultChild?: unknown } }) =>
      JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, construct), 'Arn'] });
    const tools = stack.toolPolicies.roles;
    expect(Object.fromEntries([...byRole].map(([k, v]) => [k, v.sort()]))).toEqual({
      [role(stack.commandApi.role)]: ['kms:Decrypt', 'kms:GenerateDataKey'],
      [role(stack.projector.role)]: ['kms:Decrypt'],
      [role(stack.reconciler.role)]: ['kms:Decrypt'],
      [role(stack.opsApi.role)]: ['kms:Decrypt'],
      [role(tools.blueGreenRebuild)]: ['kms:Decrypt'],
      [role(tools.viewsMaintenance)]: ['kms:Decrypt'],
      [role(tools.deadLetters)]: ['kms:Decrypt'],
      [role(tools.encryptLegacy)]: ['kms:Decrypt', 'kms:GenerateDataKey'],
    });
  });

  it(
    '-c keyAdminArns names the administrators (and the deployment role, for the lockout check); the account root is gone',
    () => {
      const app = new App({ context: cdkJson.context });
      const named = new CustomerServiceStack(app, 'Named', {
        functionCode: 'stub',
        env: { account: '123456789012', region: 'eu-west-1' },
        keyAdminArns: ['arn:aws:iam::123456789012:role/KeyAdmins'],
      });
      const t = Template.fromStack(named);
      const statements = keyPolicy(t, logicalId(named, named.dataKeys));
      const admin = statements.find((s) => s.Sid === 'KeyAdministration') as Statement;
      expect(admin.Principal?.AWS).toEqual([
        'arn:aws:iam::123456789012:role/KeyAdmins',
        {
          // CloudFormation's own placeholder, inside Fn::Sub.
          'Fn::Sub': `arn:${'$'}{AWS::Partition}:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1`,
        },
      ]);
      expect(JSON.stringify(statements)).not.toContain(':root');
      expect(asList(admin.Action).filter((a) => USE_ACTIONS.test(a))).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );

  it('an alarm fires when someone disables the key or schedules its deletion', () => {
    const ruleId = logicalId(stack, stack.keyStateAlarm.rule);
    const rule = (template.toJSON().Resources[ruleId] as Json).Properties as Json;
    // On the account's default bus, where CloudTrail delivers API calls.
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toEqual({
      source: ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['kms.amazonaws.com'],
        eventName: ['DisableKey', 'ScheduleKeyDeletion'],
        resources: { ARN: [{ 'Fn::GetAtt': [keyId, 'Arn'] }] },
      },
    });
    const topicId = logicalId(stack, stack.alarmTopic.topic);
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { Ref: topicId },
        InputTransformer: expect.objectContaining({
          InputPathsMap: expect.objectContaining({
            'detail-userIdentity-arn': '$.detail.userIdentity.arn',
          }),
        }),
      }),
    ]);
    // The topic takes this rule's messages, and its key lets EventBridge encrypt them.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ]),
      },
    });
    const topicKey = keyPolicy(template, logicalId(stack, stack.alarmTopic.key));
    expect(topicKey).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]),
    );
    // And a CloudWatch alarm on the rule's matches, with its runbook entry, like the others.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleId } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topicId }],
      AlarmDescription: Match.stringLikeRegexp(
        'Runbook: docs/operations.md#datakeysdisabledordeleting$',
      ),
    });
    const runbook = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
    expect(runbook).toMatch(/^### DataKeysDisabledOrDeleting$/m);
  });

  it('creates one symmetric key with rotation on, kept when the stack goes', () => {
    const keys = template.findResources('AWS::KMS::Key');
    const key = keys[keyId] as Json;
    expect(key).toBeDefined();
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    expect((key.Properties as Json).KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('grants KMS only on its key in the operator tools’ managed policies too; only encrypt-legacy makes keys', () => {
    const makesKeys = logicalId(stack, stack.toolPolicies.encryptLegacy);
    const statements = (
      Object.entries(template.findResources('AWS::IAM::ManagedPolicy')) as [string, Json][]
    ).flatMap(([id, policy]) =>
      ((policy.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement.map(
        (statement) => ({ id, statement }),
      ),
    );
    for (const { id, statement } of statements.filter(
      (s) => kmsActionsOf(s.statement).length > 0,
    )) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(kmsActionsOf(statement).sort()).toEqual(
        id === makesKeys ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
      );
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
