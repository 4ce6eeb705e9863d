import { DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { DATA_KEYS_BRANCH_KEY_ID } from '../src/adapters/kms/kms-branch-key-protector.js';

/** What the service does with the data keys' key: make and unwrap the keys it protects. */
export type DataKeyAction = 'kms:Decrypt' | 'kms:GenerateDataKey';

/**
 * Unwrapping a data key wrapped directly by KMS (the layout before the key hierarchy, context
 * `{customerId}`) or a process-wide secret (`{purpose}`). `ForAllValues` holds for an empty
 * context too, hence the `Null`.
 */
export const DATA_KEY_CONDITIONS = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['customerId', 'purpose'] },
  Null: { 'kms:EncryptionContextKeys': 'false' },
};

/** Making a process-wide secret (the email claims' HMAC key): no data key is made by KMS now. */
export const SECRET_CONDITIONS = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose'] },
  Null: { 'kms:EncryptionContextKeys': 'false' },
};

/** A version of the data keys' branch key: context `{branchKeyId, branchKeyVersion}`. */
export const BRANCH_KEY_CONDITIONS = {
  'ForAllValues:StringEquals': {
    'kms:EncryptionContextKeys': ['branchKeyId', 'branchKeyVersion'],
  },
  Null: { 'kms:EncryptionContextKeys': 'false' },
  StringEquals: { 'kms:EncryptionContext:branchKeyId': DATA_KEYS_BRANCH_KEY_ID },
};

/** One permission on the key: actions under one encryption-context condition. */
export interface DataKeyUse {
  actions: DataKeyAction[];
  conditions: Record<string, unknown>;
}

/**
 * What a role that decrypts and/or makes keys needs, per context: `Decrypt` of direct-KMS
 * data keys, secrets and branch key versions; `GenerateDataKey` of secrets and of a branch
 * key version (the first process to need one when none exists creates it).
 */
export const dataKeyUses = (actions: DataKeyAction[]): DataKeyUse[] => [
  ...(actions.includes('kms:Decrypt')
    ? [{ actions: ['kms:Decrypt'] as DataKeyAction[], conditions: DATA_KEY_CONDITIONS }]
    : []),
  ...(actions.includes('kms:GenerateDataKey')
    ? [{ actions: ['kms:GenerateDataKey'] as DataKeyAction[], conditions: SECRET_CONDITIONS }]
    : []),
  { actions, conditions: BRANCH_KEY_CONDITIONS },
];

/** Rotating the branch key: a new version's material, and nothing else. */
export const BRANCH_KEY_ROTATION: DataKeyUse[] = [
  { actions: ['kms:GenerateDataKey'], conditions: BRANCH_KEY_CONDITIONS },
];

/** The identity-policy statements of `uses`, on `key` only. */
export const dataKeyStatements = (key: kms.IKey, uses: DataKeyUse[]): iam.PolicyStatement[] =>
  uses.map(
    (use) =>
      new iam.PolicyStatement({
        actions: use.actions,
        resources: [key.keyArn],
        conditions: use.conditions,
      }),
  );

/**
 * Managing the key without using it: no Encrypt, Decrypt, ReEncrypt, GenerateDataKey, and no
 * CreateGrant (a grant would hand out use). `PutKeyPolicy` stays: KMS refuses a policy that
 * nobody could change again, and CloudTrail records every change of it.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListGrants',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:UpdateKeyDescription',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:RevokeGrant',
  'kms:RetireGrant',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/**
 * The key policy's first statement: who administers the key. Named administrators
 * (`-c keyAdminArns=…`) and the CloudFormation execution role that deploys the stack (so the
 * deployment can still update the policy); else the account, whose IAM policies then say
 * who administers. Use is granted separately, to named roles only: no IAM policy in the
 * account can make anyone else decrypt.
 */
export const keyAdministration = (
  scope: Construct,
  administrators: readonly string[],
): iam.PolicyStatement => {
  const stack = Stack.of(scope);
  const principals: iam.IPrincipal[] =
    administrators.length === 0
      ? [new iam.AccountRootPrincipal()]
      : [
          ...administrators.map((arn) => new iam.ArnPrincipal(arn)),
          ...(stack.synthesizer instanceof DefaultStackSynthesizer
            ? // Written with `${AWS::Partition}` (and the account and region when unknown).
              [new iam.ArnPrincipal(Fn.sub(stack.synthesizer.cloudFormationExecutionRoleArn))]
            : []),
        ];
  return new iam.PolicyStatement({
    sid: 'KeyAdministration',
    principals,
    actions: KEY_ADMIN_ACTIONS,
    resources: ['*'],
  });
};

/**
 * Lets `role` use the key: in the key policy, naming the role (IAM policies alone cannot
 * grant use of this key), and, unless it is granted elsewhere (a tool's managed policy), in
 * the role's own policy. `actions` are mapped to their contexts by `dataKeyUses`; `uses`
 * names them directly (the rotation).
 */
export const allowDataKeyUse = (
  key: kms.Key,
  role: iam.IRole,
  actions: DataKeyAction[] | DataKeyUse[],
  options: { identityPolicy?: boolean } = {},
): void => {
  const uses = actions.every((a) => typeof a === 'string')
    ? dataKeyUses(actions as DataKeyAction[])
    : (actions as DataKeyUse[]);
  for (const use of uses) {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [role],
        actions: use.actions,
        resources: ['*'],
        conditions: use.conditions,
      }),
    );
  }
  if (options.identityPolicy ?? true) {
    for (const statement of dataKeyStatements(key, uses)) role.addToPrincipalPolicy(statement);
  }
};
