import { DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** What the service does with the data keys' key: make and unwrap customers' data keys. */
export type DataKeyAction = 'kms:Decrypt' | 'kms:GenerateDataKey';

/**
 * Only under an encryption context naming a customer (data keys) or a purpose (the email
 * claims' HMAC secret). `ForAllValues` holds for an empty context too, hence the `Null`.
 */
export const DATA_KEY_CONDITIONS = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['customerId', 'purpose'] },
  Null: { 'kms:EncryptionContextKeys': 'false' },
};

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
 * the role's own policy.
 */
export const allowDataKeyUse = (
  key: kms.Key,
  role: iam.IRole,
  actions: DataKeyAction[],
  options: { identityPolicy?: boolean } = {},
): void => {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [role],
      actions,
      resources: ['*'],
      conditions: DATA_KEY_CONDITIONS,
    }),
  );
  if (options.identityPolicy ?? true) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [key.keyArn],
        conditions: DATA_KEY_CONDITIONS,
      }),
    );
  }
};
