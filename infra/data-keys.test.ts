import { readFileSync } from 'node:fs';
import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CustomerServiceStack } from './customer-service-stack.js';
import {
  BRANCH_KEY_CONDITIONS,
  DATA_KEY_CONDITIONS,
  SECRET_CONDITIONS,
} from './data-key-policy.js';
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

/**
 * Which encryption context a statement allows: keys wrapped directly by KMS and secrets
 * (`direct`), making a secret (`secret`), a version of the data keys' branch key (`branch`).
 */
const CONTEXTS = {
  direct: DATA_KEY_CONDITIONS,
  secret: SECRET_CONDITIONS,
  branch: BRANCH_KEY_CONDITIONS,
} as const;
const contextOf = (statement: Statement): keyof typeof CONTEXTS => {
  const found = (Object.keys(CONTEXTS) as (keyof typeof CONTEXTS)[]).find(
    (name) => JSON.stringify(statement.Condition) === JSON.stringify(CONTEXTS[name]),
  );
  if (!found)
    throw new Error(`A KMS statement under no known context: ${JSON.stringify(statement)}`);
  return found;
};
/** `kms:Decrypt@branch`: each action of a statement with its context. */
const usesOf = (statement: Statement) =>
  asList(statement.Action).map((action) => `${action}@${contextOf(statement)}`);

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

  it('only the functions’ and tools’ roles that need it may use the key, each under the encryption context of its calls', () => {
    const byRole = new Map<string, string[]>();
    for (const statement of keyPolicy().filter((s) => s.Sid !== 'KeyAdministration')) {
      expect(statement).toMatchObject({ Effect: 'Allow', Resource: '*' });
      for (const principal of principalsOf(statement)) {
        byRole.set(principal, [...(byRole.get(principal) ?? []), ...usesOf(statement)]);
      }
    }
    const role = (construct: { node: { defaultChild?: unknown } }) =>
      JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, construct), 'Arn'] });
    const tools = stack.toolPolicies.roles;
    // Reading: direct-KMS data keys of before and secrets, and branch key versions.
    const reads = ['kms:Decrypt@branch', 'kms:Decrypt@direct'];
    // Writing too: a secret, or the first branch key version when none exists yet. No data
    // key is made by KMS any more.
    const writes = [...reads, 'kms:GenerateDataKey@branch', 'kms:GenerateDataKey@secret'].sort();
    expect(Object.fromEntries([...byRole].map(([k, v]) => [k, v.sort()]))).toEqual({
      [role(stack.commandApi.role)]: writes,
      [role(stack.projector.role)]: reads,
      [role(stack.reconciler.role)]: reads,
      [role(stack.opsApi.role)]: reads,
      [role(stack.branchKeyRotator.role)]: ['kms:GenerateDataKey@branch'],
      [role(tools.blueGreenRebuild)]: reads,
      [role(tools.viewsMaintenance)]: reads,
      [role(tools.deadLetters)]: reads,
      [role(tools.encryptLegacy)]: writes,
      [role(tools.rotateBranchKey)]: ['kms:GenerateDataKey@branch'],
    });
  });

  it('binds branch key use to the service’s branch key id, and to no other context key', () => {
    expect(BRANCH_KEY_CONDITIONS).toEqual({
      'ForAllValues:StringEquals': {
        'kms:EncryptionContextKeys': ['branchKeyId', 'branchKeyVersion'],
      },
      Null: { 'kms:EncryptionContextKeys': 'false' },
      StringEquals: { 'kms:EncryptionContext:branchKeyId': 'subject-data-keys' },
    });
  });

  it('rotates the branch key on a schedule, with a function that may touch only branch key items', () => {
    const fnId = logicalId(stack, stack.branchKeyRotator.function);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 days)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })]),
    });
    const roleId = logicalId(stack, stack.branchKeyRotator.role);
    const statements = allStatements(template)
      .filter(({ roles }) => roles.includes(roleId))
      .map(({ statement }) => statement)
      .filter((statement) => asList(statement.Action).some((a) => a.startsWith('dynamodb:')));
    expect(statements).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['BRANCH_KEY#*'] },
        },
      }),
    ]);
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

  it('grants KMS only on its key in the operator tools’ managed policies too; only encrypt-legacy and the rotation make keys', () => {
    const makes = {
      [logicalId(stack, stack.toolPolicies.encryptLegacy)]: [
        'kms:Decrypt@branch',
        'kms:Decrypt@direct',
        'kms:GenerateDataKey@branch',
        'kms:GenerateDataKey@secret',
      ],
      [logicalId(stack, stack.toolPolicies.rotateBranchKey)]: ['kms:GenerateDataKey@branch'],
    };
    const byPolicy = new Map<string, string[]>();
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))) {
      const { Statement } = ((policy as Json).Properties as Json).PolicyDocument as {
        Statement: Statement[];
      };
      for (const statement of Statement.filter((s) => kmsActionsOf(s).length > 0)) {
        expect(statement.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
        byPolicy.set(id, [...(byPolicy.get(id) ?? []), ...usesOf(statement)]);
      }
    }
    for (const [id, uses] of byPolicy) {
      expect(uses.sort()).toEqual(makes[id] ?? ['kms:Decrypt@branch', 'kms:Decrypt@direct']);
    }
    // encrypt-legacy, the rotation, and the three that fold streams (rebuild, audit, dead letters).
    expect(byPolicy.size).toBe(5);
  });

  it('grants KMS only on its key: no statement names another resource or "*"', () => {
    const kmsStatements = allStatements(template).filter(
      ({ statement }) => kmsActionsOf(statement).length > 0,
    );
    expect(kmsStatements.length).toBeGreaterThan(0);
    for (const { statement } of kmsStatements) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      // Only under a known encryption context; KMS makes no data key of a customer now.
      for (const use of usesOf(statement)) {
        expect([
          'kms:Decrypt@direct',
          'kms:Decrypt@branch',
          'kms:GenerateDataKey@secret',
          'kms:GenerateDataKey@branch',
        ]).toContain(use);
      }
    }
  });

  it('gives each function only the KMS actions it needs', () => {
    const actions = (fn: ServiceFunction) => [
      ...new Set(kmsGrantsOf(template, stack, fn).flatMap(kmsActionsOf).sort()),
    ];
    expect(actions(stack.commandApi)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(actions(stack.projector)).toEqual(['kms:Decrypt']);
    expect(actions(stack.reconciler)).toEqual(['kms:Decrypt']);
    expect(actions(stack.branchKeyRotator)).toEqual(['kms:GenerateDataKey']);
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
    for (const fn of [
      stack.commandApi,
      stack.projector,
      stack.reconciler,
      stack.branchKeyRotator,
    ]) {
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
