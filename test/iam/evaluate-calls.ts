import { getDenialReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import type { RecordedCall } from '../support/aws-call-recorder.js';
import { type IamRequest, iamRequestsOf, keyIdOf, type ResourceRef } from './iam-requests.js';
import {
  ACCOUNT,
  type CfnTemplate,
  identityPoliciesOf,
  partitionKeyOf,
  REGION,
  resourcePolicyOf,
} from './stack-policies.js';

/**
 * Local names (tables, queue names, key ids, buses) to the names the template deploys, and
 * each deployed name to the logical id of its table, for its key schema.
 */
export interface Deployment {
  template: CfnTemplate;
  names: ReadonlyMap<string, string>;
}

/** One local value and its deployed counterpart, as the same setting holds them. */
export const nameCorrespondence = (pairs: Iterable<[local: string, deployed: string]>) => {
  const names = new Map<string, string>();
  const lastSegment = (value: string) => value.slice(value.lastIndexOf('/') + 1);
  for (const [local, deployed] of pairs) {
    names.set(local, deployed);
    // Queue URLs name their queue last; key ARNs their key id.
    if (/^https?:\/\//.test(local)) names.set(lastSegment(local), lastSegment(deployed));
    names.set(keyIdOf(local), keyIdOf(deployed));
  }
  return names;
};

const prefix = (service: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}`;

/** The ARN the request names once deployed. */
export const deployedArn = (resource: ResourceRef, names: ReadonlyMap<string, string>): string => {
  const name = (value: string) => names.get(value) ?? value;
  switch (resource.kind) {
    case 'table':
      return `${prefix('dynamodb')}:table/${name(resource.table)}${
        resource.index ? `/index/${resource.index}` : ''
      }`;
    case 'stream':
      return `${prefix('dynamodb')}:table/${name(resource.table)}/stream/1970-01-01T00:00:00.000`;
    case 'queue':
      return `${prefix('sqs')}:${name(resource.queue)}`;
    case 'bus':
      return `${prefix('events')}:event-bus/${name(resource.bus)}`;
    case 'rule': {
      const bus = name(resource.bus);
      return `${prefix('events')}:rule/${bus === 'default' ? '' : `${bus}/`}${resource.rule}`;
    }
    case 'archive':
      return `${prefix('events')}:archive/${name(resource.archive)}`;
    case 'replay':
      return `${prefix('events')}:replay/${resource.replay}`;
    case 'key':
      return `${prefix('kms')}:key/${name(resource.key)}`;
    case 'any':
      return '*';
  }
};

/** `dynamodb:LeadingKeys`: the partition key values of the items a request touches. */
const leadingKeys = (request: IamRequest, deployment: Deployment): string[] | undefined => {
  if (request.resource.kind !== 'table' || !request.keys) return undefined;
  const table = deployment.names.get(request.resource.table) ?? request.resource.table;
  // Tables the stack does not define (green view tables) have no schema here.
  if (!deployment.template.Resources[table]) return undefined;
  const key = partitionKeyOf(deployment.template, table, request.resource.index);
  const values = request.keys.map((item) => item[key]?.S ?? item[key]?.N);
  return values.every((value) => value !== undefined) ? (values as string[]) : undefined;
};

export interface Verdict {
  caller: string;
  operation: string;
  action: string;
  resource: string;
  result: string;
  /** Why it was denied: each policy that did not allow it, or denied it. */
  reasons: unknown[];
}

/**
 * `@cloud-copilot/iam-simulate` 0.1 recognises a condition key with a variable part only when
 * that part follows a `/` (`aws:PrincipalTag/Team`): it drops `kms:EncryptionContext:<key>`
 * from the request as unknown, so any policy that tests a context *value* (the branch key's
 * `branchKeyId`) could never match. Both the request and the policies are evaluated with each
 * such key renamed, alike on both sides, to a `/`-form global key the library keeps; string
 * and `Null` operators on a single-valued key mean the same under either name.
 */
const CONTEXT_KEY = /^kms:EncryptionContext:(.+)$/i;
const CONTEXT_KEY_ALIAS = 'aws:PrincipalTag/kms-encryption-context-';
const aliasContextKey = (key: string): string => {
  const match = CONTEXT_KEY.exec(key);
  return match ? `${CONTEXT_KEY_ALIAS}${match[1]}` : key;
};
const aliasConditions = <T>(document: T): T =>
  JSON.parse(JSON.stringify(document), function (this: unknown, key, value) {
    if (key !== 'Condition' || typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, Record<string, unknown>>).map(([operator, keys]) => [
        operator,
        Object.fromEntries(Object.entries(keys).map(([name, v]) => [aliasContextKey(name), v])),
      ]),
    );
  }) as T;
const aliasContext = (context: Record<string, string | string[]>) =>
  Object.fromEntries(Object.entries(context).map(([name, v]) => [aliasContextKey(name), v]));

/** Evaluates one request as the role `roleId` of the template, with the resource's policy. */
export const evaluateRequest = async (
  request: IamRequest,
  roleId: string,
  deployment: Deployment,
): Promise<Verdict> => {
  const { template } = deployment;
  const resource = deployedArn(request.resource, deployment.names);
  const principal = `arn:aws:iam::${ACCOUNT}:role/${roleId}`;
  const leading = leadingKeys(request, deployment);
  const resourcePolicy = resource === '*' ? undefined : resourcePolicyOf(template, resource);
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {
          // What every call of the SDK on AWS carries: TLS, and the role as principal.
          'aws:SecureTransport': 'true',
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': ACCOUNT,
          ...aliasContext(request.context),
          ...(leading ? { 'dynamodb:LeadingKeys': leading } : {}),
        },
      },
      identityPolicies: aliasConditions(identityPoliciesOf(template, roleId)),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: aliasConditions(resourcePolicy) } : {}),
    },
    { simulationMode: 'Strict' },
  );
  const verdict = {
    caller: request.caller,
    operation: request.operation,
    action: request.action,
    resource,
  };
  if (result.resultType === 'error') {
    return { ...verdict, result: 'Error', reasons: [result.errors] };
  }
  const analysis = result.resultType === 'single' ? result.result.analysis : undefined;
  return {
    ...verdict,
    result: result.overallResult,
    reasons: result.overallResult === 'Allowed' || !analysis ? [] : getDenialReasons(analysis),
  };
};

/** The distinct IAM requests behind recorded calls, in order (one per action, resource and context). */
export const distinctRequests = (calls: readonly RecordedCall[]): IamRequest[] => {
  const iterators = new Map<string, string>();
  const seen = new Map<string, IamRequest>();
  for (const call of calls) {
    for (const request of iamRequestsOf(call, iterators)) {
      const { caller, action, resource, context, keys } = request;
      seen.set(JSON.stringify({ caller, action, resource, context, keys }), request);
    }
  }
  return [...seen.values()];
};

/** Every recorded call of `caller` evaluated as `roleId`: the verdicts, denials first. */
export const evaluateCalls = async (
  calls: readonly RecordedCall[],
  roleId: string,
  deployment: Deployment,
): Promise<Verdict[]> => {
  const verdicts: Verdict[] = [];
  for (const request of distinctRequests(calls)) {
    verdicts.push(await evaluateRequest(request, roleId, deployment));
  }
  return verdicts;
};

/** The denied verdicts, one line per caller, action, resource and reason, for a readable failure. */
export const denials = (verdicts: readonly Verdict[]): string[] => [
  ...new Set(
    verdicts
      .filter((verdict) => verdict.result !== 'Allowed')
      .map(({ caller, action, resource, result, reasons }) => {
        const by = reasons.map((reason) => {
          const { policyType, denialType } = reason as { policyType?: string; denialType?: string };
          return `${denialType ?? ''} ${policyType ?? ''}`.trim();
        });
        return `${caller}: ${action} on ${resource}: ${result} (${by.join(', ')})`;
      }),
  ),
];
