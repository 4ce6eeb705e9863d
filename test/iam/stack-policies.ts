/**
 * A synthesised template's policies as deployed, in a fixed account and region: every
 * intrinsic resolved to the ARN or name CloudFormation would give it, a resource's
 * physical name being its logical id.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

type Json = Record<string, unknown>;
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Json }>;
  Outputs?: Record<string, { Value: unknown }>;
}
export interface PolicyDocument {
  Version?: string;
  Statement: Json[];
}

const arnPrefix = (service: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}`;

/** The property that names a resource when the stack gives it a name. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Events::Archive': 'ArchiveName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Lambda::Function': 'FunctionName',
};

/** What `Ref` and `Fn::GetAtt` give for the resource types the stack's policies name. */
const referenceOf = (template: CfnTemplate, logicalId: string, attribute?: string): string => {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`The template has no resource ${logicalId}`);
  const { Type: type } = resource;
  // Its name: the one the stack gives, else the logical id (CloudFormation would add a suffix).
  const named = resource.Properties?.[NAME_PROPERTY[type] ?? ''];
  const id = named === undefined ? logicalId : String(resolve(template, named));
  const arns: Record<string, () => string> = {
    'AWS::DynamoDB::Table': () => `${arnPrefix('dynamodb')}:table/${id}`,
    'AWS::SQS::Queue': () => `${arnPrefix('sqs')}:${id}`,
    'AWS::Events::EventBus': () => `${arnPrefix('events')}:event-bus/${id}`,
    'AWS::Events::Archive': () => `${arnPrefix('events')}:archive/${id}`,
    'AWS::Events::Rule': () => {
      const bus = resolve(template, resource.Properties?.EventBusName ?? 'default');
      return `${arnPrefix('events')}:rule/${bus === 'default' ? '' : `${bus}/`}${id}`;
    },
    'AWS::KMS::Key': () => `${arnPrefix('kms')}:key/${id}`,
    'AWS::IAM::Role': () => `arn:aws:iam::${ACCOUNT}:role/${id}`,
    'AWS::IAM::ManagedPolicy': () => `arn:aws:iam::${ACCOUNT}:policy/${id}`,
    'AWS::Lambda::Function': () => `${arnPrefix('lambda')}:function:${id}`,
    'AWS::Logs::LogGroup': () => `${arnPrefix('logs')}:log-group:${id}:*`,
    'AWS::SNS::Topic': () => `${arnPrefix('sns')}:${id}`,
  };
  const arn = arns[type];
  if (attribute === undefined) {
    // `Ref`: a name, except where CloudFormation documents otherwise.
    if (type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
    if (type === 'AWS::IAM::ManagedPolicy' || type === 'AWS::SNS::Topic') return arn?.() ?? id;
    return id;
  }
  if (attribute === 'Arn' && arn) return arn();
  if (type === 'AWS::DynamoDB::Table' && attribute === 'StreamArn') {
    return `${referenceOf(template, logicalId, 'Arn')}/stream/1970-01-01T00:00:00.000`;
  }
  if (type === 'AWS::SQS::Queue' && attribute === 'QueueName') return id;
  if (type === 'AWS::SQS::Queue' && attribute === 'QueueUrl')
    return referenceOf(template, logicalId);
  if (type === 'AWS::Events::EventBus' && attribute === 'Name') return id;
  throw new Error(`Fn::GetAtt ${id}.${attribute} (${type}) is not resolved here`);
};

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A template value with every intrinsic the stack uses replaced by what it resolves to. */
export const resolve = (template: CfnTemplate, value: unknown): unknown => {
  if (Array.isArray(value)) return value.map((entry) => resolve(template, entry));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Json);
  const [first] = entries;
  if (entries.length === 1 && first) {
    const [name, argument] = first;
    if (name === 'Ref') {
      const id = String(argument);
      return PSEUDO[id] ?? referenceOf(template, id);
    }
    if (name === 'Fn::GetAtt') {
      const [id, attribute] = (
        typeof argument === 'string' ? argument.split('.') : argument
      ) as string[];
      return referenceOf(template, String(id), String(attribute));
    }
    if (name === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return (resolve(template, parts) as unknown[]).map(String).join(separator);
    }
    if (name === 'Fn::Sub') {
      const [text, variables = {}] = (typeof argument === 'string' ? [argument] : argument) as [
        string,
        Json?,
      ];
      return text.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
        if (key in variables) return String(resolve(template, variables[key]));
        const [id, attribute] = key.split('.');
        return PSEUDO[key] ?? referenceOf(template, String(id), attribute);
      });
    }
    if (name === 'Fn::Select') {
      const [index, list] = argument as [number, unknown];
      return (resolve(template, list) as unknown[])[Number(index)];
    }
    if (name === 'Fn::Split') {
      const [separator, text] = argument as [string, unknown];
      return String(resolve(template, text)).split(separator);
    }
    if (name.startsWith('Fn::')) throw new Error(`${name} is not resolved here`);
  }
  return Object.fromEntries(entries.map(([key, entry]) => [key, resolve(template, entry)]));
};

const ofType = (template: CfnTemplate, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

const namesRole = (template: CfnTemplate, roles: unknown, roleId: string): boolean =>
  ((resolve(template, roles) ?? []) as string[]).includes(roleId);

/** Every identity policy of a role: its inline policies, and managed policies attached either way. */
export const identityPoliciesOf = (
  template: CfnTemplate,
  roleId: string,
): { name: string; policy: PolicyDocument }[] => {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const inline = ofType(template, 'AWS::IAM::Policy')
    .filter(([, resource]) => namesRole(template, resource.Properties?.Roles, roleId))
    .map(([id, resource]) => ({ name: id, document: resource.Properties?.PolicyDocument }));
  const embedded = ((role.Properties?.Policies ?? []) as Json[]).map((policy) => ({
    name: String(policy.PolicyName),
    document: policy.PolicyDocument,
  }));
  const attachedArns = (resolve(template, role.Properties?.ManagedPolicyArns) ?? []) as string[];
  const managed = ofType(template, 'AWS::IAM::ManagedPolicy')
    .filter(
      ([id, resource]) =>
        namesRole(template, resource.Properties?.Roles, roleId) ||
        attachedArns.includes(referenceOf(template, id)),
    )
    .map(([id, resource]) => ({ name: id, document: resource.Properties?.PolicyDocument }));
  const outside = attachedArns.filter(
    (arn) =>
      !ofType(template, 'AWS::IAM::ManagedPolicy').some(
        ([id]) => referenceOf(template, id) === arn,
      ),
  );
  // An AWS managed policy's content is not in the template; none of the stack's roles has one.
  if (outside.length > 0)
    throw new Error(`${roleId} has managed policies outside the template: ${outside}`);
  return [...inline, ...embedded, ...managed].map(({ name, document }) => ({
    name,
    policy: resolve(template, document) as PolicyDocument,
  }));
};

/** The resource policy of the resource at `arn`, where it has one (key, queue, bus). */
export const resourcePolicyOf = (
  template: CfnTemplate,
  arn: string,
): PolicyDocument | undefined => {
  for (const [id, key] of ofType(template, 'AWS::KMS::Key')) {
    if (referenceOf(template, id, 'Arn') === arn) {
      return resolve(template, key.Properties?.KeyPolicy) as PolicyDocument;
    }
  }
  // A queue policy names its queues by URL.
  const queueUrl = arn.startsWith(`${arnPrefix('sqs')}:`)
    ? `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${arn.split(':').at(-1)}`
    : undefined;
  const queueStatements = ofType(template, 'AWS::SQS::QueuePolicy')
    .filter(([, policy]) =>
      ((resolve(template, policy.Properties?.Queues) ?? []) as string[]).includes(queueUrl ?? ''),
    )
    .flatMap(
      ([, policy]) =>
        (resolve(template, policy.Properties?.PolicyDocument) as PolicyDocument).Statement,
    );
  if (queueStatements.length > 0) return { Version: '2012-10-17', Statement: queueStatements };
  const busStatements = ofType(template, 'AWS::Events::EventBusPolicy')
    .filter(([, policy]) => {
      const bus = resolve(template, policy.Properties?.EventBusName ?? 'default');
      return arn === `${arnPrefix('events')}:event-bus/${bus}`;
    })
    .map(([, policy]) => resolve(template, policy.Properties?.Statement) as Json);
  if (busStatements.length > 0) return { Version: '2012-10-17', Statement: busStatements };
  return undefined;
};

/** The role a function runs as (its logical id). */
export const roleOfFunction = (template: CfnTemplate, functionId: string): string => {
  const fn = template.Resources[functionId];
  const role = fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined;
  if (!role?.['Fn::GetAtt']) throw new Error(`${functionId} names no role of the template`);
  return role['Fn::GetAtt'][0];
};

/** A function's environment as deployed. */
export const environmentOf = (template: CfnTemplate, functionId: string): Record<string, string> =>
  resolve(
    template,
    (template.Resources[functionId]?.Properties?.Environment as Json | undefined)?.Variables ?? {},
  ) as Record<string, string>;

/** The partition key attribute of a table, or of one of its indexes. */
export const partitionKeyOf = (template: CfnTemplate, tableId: string, index?: string): string => {
  const table = template.Resources[tableId]?.Properties;
  if (!table) throw new Error(`The template has no table ${tableId}`);
  const indexes = [
    ...((table.GlobalSecondaryIndexes ?? []) as Json[]),
    ...((table.LocalSecondaryIndexes ?? []) as Json[]),
  ];
  const schema = index
    ? indexes.find((entry) => entry.IndexName === index)?.KeySchema
    : table.KeySchema;
  const hash = ((schema ?? []) as { AttributeName: string; KeyType: string }[]).find(
    (key) => key.KeyType === 'HASH',
  );
  if (!hash) throw new Error(`No partition key for ${tableId}${index ? `/index/${index}` : ''}`);
  return hash.AttributeName;
};
