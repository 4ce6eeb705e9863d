import { readFileSync } from 'node:fs';
import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/app/access/roles.js';
import { publicRoutes, serviceRoutes } from '../src/app/http/route-catalog.js';
import { CustomerServiceStack, type CustomerServiceStackProps } from './customer-service-stack.js';
import type { ServiceFunction } from './service-function.js';
import { readStackContext } from './stack-context.js';

/** Synthesis validates the template and takes a while on a busy machine. */
const SYNTH_TIMEOUT = 300_000;

const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** A resource as one string: `{Ref}` and `{Id.Attr}` in place of CloudFormation references. */
const render = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v.Ref) return `{${v.Ref as string}}`;
  if (v['Fn::GetAtt']) return `{${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  return JSON.stringify(value);
};

const synth = (props: Partial<CustomerServiceStackProps> = {}) => {
  const app = new App({ context: cdkJson.context });
  const stack = new CustomerServiceStack(app, 'Access', { functionCode: 'stub', ...props });
  return { stack, template: Template.fromStack(stack) };
};

const envOf = (template: Template, stack: Stack, fn: ServiceFunction) =>
  (
    ((template.toJSON().Resources[logicalId(stack, fn.function)] as Json).Properties as Json)
      .Environment as { Variables: Json }
  ).Variables;

describe('who may call what, on AWS: IAM (the default)', () => {
  let stack: CustomerServiceStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synth());
  }, SYNTH_TIMEOUT);

  const policyOf = (role: Role) => {
    const policy = stack.serviceApi.rolePolicies.get(role);
    if (!policy) throw new Error(`no policy for ${role}`);
    const resource = template.toJSON().Resources[logicalId(stack, policy)] as Json;
    return (resource.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument
      .Statement;
  };

  it('one managed policy per role, allowing execute-api:Invoke on exactly its routes’ ARNs', () => {
    expect([...stack.serviceApi.rolePolicies.keys()]).toEqual([...ROLES]);
    const apiId = logicalId(stack, stack.httpApi);
    const prefix = `arn:{AWS::Partition}:execute-api:{AWS::Region}:{AWS::AccountId}:{${apiId}}/$default/`;
    // Written independently of the stack: the ARN of each route as execute-api checks it.
    const arn = (route: { method: string; path: string }) =>
      `${prefix}${route.method.toUpperCase()}${route.path.replaceAll(/\{[^}]+\}/g, '*')}`;
    const allowed = (role: Role) =>
      policyOf(role)
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) => asList(s.Resource).map(render))
        .sort();
    const routesOf = (...roles: Role[]) =>
      serviceRoutes()
        .filter((r) => roles.includes(r.role))
        .map(arn)
        .sort();
    expect(allowed('customers:read')).toEqual(routesOf('customers:read'));
    // `GET/customers/*` also matches a history's ARN: the reader's policy denies it by name,
    // so the history policy carries the reads, and a principal holds one or the other.
    expect(allowed('customers:history')).toEqual(routesOf('customers:history', 'customers:read'));
    for (const role of ['customers:write', 'customers:erase', 'ops:read', 'ops:write'] as const) {
      expect(allowed(role)).toEqual(routesOf(role));
    }
    const denied = (role: Role) =>
      policyOf(role)
        .filter((s) => s.Effect === 'Deny')
        .flatMap((s) => asList(s.Resource).map(render));
    expect(denied('customers:read')).toEqual([`${prefix}GET/customers/*/events`]);
    for (const role of ROLES.filter((r) => r !== 'customers:read')) {
      expect(denied(role)).toEqual([]);
    }
    for (const role of ROLES) {
      for (const statement of policyOf(role)) expect(statement.Action).toBe('execute-api:Invoke');
    }
  });

  it('no managed policy in the template grants * or the whole stage', () => {
    const statements = (
      Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as Json[]
    ).flatMap(
      (p) => ((p.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
    );
    for (const statement of statements) {
      for (const resource of asList(statement.Resource).map(render)) {
        expect(resource).not.toBe('*');
        expect(resource).not.toMatch(/\$default\/\*$|\/\*\/\*$/);
      }
    }
  });

  it('the public pages need no authoriser; every data route needs IAM', () => {
    const routes = (Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Json[])
      .map((r) => r.Properties as Json)
      .map((r) => [r.RouteKey, r.AuthorizationType]);
    const open = new Set(publicRoutes().map((r) => `GET ${r.path}`));
    expect(routes.filter(([, type]) => type === 'NONE').map(([key]) => key)).toEqual(
      expect.arrayContaining([...open]),
    );
    expect(routes.filter(([, type]) => type === 'NONE')).toHaveLength(open.size);
    expect(routes.filter(([, type]) => type === 'AWS_IAM')).toHaveLength(serviceRoutes().length);
  });

  it('outputs each role’s policy ARN, and each tool’s role', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'CustomersReadInvokePolicyArn',
        'CustomersHistoryInvokePolicyArn',
        'CustomersWriteInvokePolicyArn',
        'CustomersEraseInvokePolicyArn',
        'OpsReadInvokePolicyArn',
        'OpsWriteInvokePolicyArn',
        'StreamFailuresToolRoleArn',
        'DeadLettersToolRoleArn',
        'ViewsMaintenanceToolRoleArn',
      ]),
    );
    expect(outputs).not.toContain('UserPoolId');
  });

  it('the HTTP functions learn the scope prefix (none with IAM); no console sign-in without an issuer', () => {
    for (const fn of [stack.commandApi, stack.queryApi, stack.opsApi]) {
      expect(envOf(template, stack, fn).AUTH_SCOPE_PREFIX).toBe('');
    }
    expect(envOf(template, stack, stack.queryApi).CONSOLE_OIDC_ISSUER).toBeUndefined();
  });

  it('the bus refuses events with the service’s source from anyone but the publisher and the stream-failures tool', () => {
    const policies = Object.values(template.findResources('AWS::Events::EventBusPolicy')) as Json[];
    expect(policies).toHaveLength(1);
    const properties = policies[0]?.Properties as { EventBusName: unknown; Statement: Statement };
    expect(properties.EventBusName).toEqual({ Ref: logicalId(stack, stack.bus) });
    expect(properties.Statement).toEqual({
      Sid: expect.any(String),
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Resource: arnOf(logicalId(stack, stack.bus)),
      Condition: {
        'ForAnyValue:StringEquals': { 'events:source': ['customer.service'] },
        ArnNotEquals: {
          'aws:PrincipalArn': [
            arnOf(logicalId(stack, stack.publisher.role)),
            arnOf(logicalId(stack, stack.toolPolicies.roles.streamFailures)),
          ],
        },
        // Requests by IAM principals only: the archive's replays come from EventBridge itself.
        Null: { 'aws:PrincipalArn': 'false' },
      },
    });
  });

  it('the projection queue refuses messages from anyone but the bus rule and the two redrivers', () => {
    const queueId = logicalId(stack, stack.projectionQueue);
    const policy = (Object.values(template.findResources('AWS::SQS::QueuePolicy')) as Json[]).find(
      (p) => JSON.stringify((p.Properties as Json).Queues) === JSON.stringify([{ Ref: queueId }]),
    );
    expect(policy).toBeDefined();
    const statements = (
      ((policy as Json).Properties as Json).PolicyDocument as { Statement: Statement[] }
    ).Statement.filter((s) => s.Effect === 'Deny' && s.Action === 'sqs:SendMessage');
    expect(statements).toEqual([
      {
        Sid: 'OnlyTheRuleAndRedriveSend',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:SendMessage',
        Resource: arnOf(queueId),
        Condition: {
          ArnNotEquals: {
            'aws:SourceArn': arnOf(
              stack.getLogicalId(
                stack.node.findChild('ProjectionRule').node.defaultChild as CfnResource,
              ),
            ),
            'aws:PrincipalArn': [
              arnOf(logicalId(stack, stack.opsApi.role)),
              arnOf(logicalId(stack, stack.toolPolicies.roles.deadLetters)),
            ],
          },
        },
      },
    ]);
    // The other queues keep no such restriction: nothing but SQS and EventBridge sends there.
    const others = (Object.values(template.findResources('AWS::SQS::QueuePolicy')) as Json[])
      .filter((p) => p !== policy)
      .flatMap(
        (p) => ((p.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
      );
    expect(others.filter((s) => s.Sid === 'OnlyTheRuleAndRedriveSend')).toEqual([]);
  });

  it('the retire-views tool may erase or delete a retired view table, never the live one', () => {
    const policy = template.toJSON().Resources[logicalId(stack, stack.toolPolicies.retireViews)];
    const statements = policy.Properties.PolicyDocument.Statement as Json[];
    const live = render(arnOf(logicalId(stack, stack.customerViews)));
    const deny = statements.find((s) => s.Effect === 'Deny') as Json;
    expect(deny.Action).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteTable']);
    expect(render(deny.Resource)).toBe(live);
    const allow = statements.find((s) => s.Effect === 'Allow') as Json;
    expect(render(allow.Resource)).toContain('table/customer-views-*');
  });

  it('no identity policy but the publisher’s and the stream-failures tool’s may put events', () => {
    const putters = [
      ...(Object.entries(template.findResources('AWS::IAM::Policy')) as [string, Json][]),
      ...(Object.entries(template.findResources('AWS::IAM::ManagedPolicy')) as [string, Json][]),
    ].filter(([, p]) =>
      ((p.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement.some((s) =>
        asList(s.Action).some((a) => a === 'events:PutEvents' || a === 'events:*'),
      ),
    );
    expect(putters.map(([, p]) => JSON.stringify((p.Properties as Json).Roles)).sort()).toEqual(
      [
        JSON.stringify([{ Ref: logicalId(stack, stack.publisher.role) }]),
        JSON.stringify([{ Ref: logicalId(stack, stack.toolPolicies.roles.streamFailures) }]),
      ].sort(),
    );
  });
});

describe('who may call what, on AWS: a Cognito user pool the stack creates', () => {
  let stack: CustomerServiceStack;
  let template: Template;

  beforeAll(() => {
    const app = new App({
      context: { ...cdkJson.context, auth: 'cognito', cognitoDomainPrefix: 'acme-customers' },
    });
    stack = new CustomerServiceStack(app, 'Cognito', {
      functionCode: 'stub',
      ...readStackContext(app.node),
    });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  const poolId = () => logicalId(stack, stack.signIn?.userPool ?? stack.httpApi);
  const clientId = () => logicalId(stack, stack.signIn?.consoleClient ?? stack.httpApi);

  it('a user pool on Essentials, without self sign-up, MFA required, with a hosted UI domain', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'ESSENTIALS',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      LambdaConfig: {
        PreTokenGenerationConfig: {
          LambdaArn: arnOf(logicalId(stack, stack.scopeLimiter?.function ?? stack.httpApi)),
          LambdaVersion: 'V2_0',
        },
      },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'acme-customers',
      UserPoolId: { Ref: poolId() },
    });
  });

  it('a resource server customer-service with one scope per role, and one group per role', () => {
    const servers = Object.values(template.findResources('AWS::Cognito::UserPoolResourceServer'));
    expect(servers).toHaveLength(1);
    const server = (servers[0] as Json).Properties as Json;
    expect(server.Identifier).toBe('customer-service');
    expect((server.Scopes as { ScopeName: string }[]).map((s) => s.ScopeName)).toEqual([...ROLES]);
    const groups = (Object.values(template.findResources('AWS::Cognito::UserPoolGroup')) as Json[])
      .map((g) => (g.Properties as Json).GroupName)
      .sort();
    expect(groups).toEqual([...ROLES].sort());
  });

  it('the console’s client: public, code flow only, the six scopes and openid, redirect to /console/signed-in', () => {
    const clients = Object.values(template.findResources('AWS::Cognito::UserPoolClient')) as Json[];
    expect(clients).toHaveLength(1);
    const client = clients[0]?.Properties as Json;
    expect(client.GenerateSecret).toBe(false);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(
      (client.AllowedOAuthScopes as unknown[])
        .map((s) => render(s).replace(/^\{[^}]+\}/, 'customer-service'))
        .sort(),
    ).toEqual(['openid', ...ROLES.map((r) => `customer-service/${r}`)].sort());
    const apiId = logicalId(stack, stack.httpApi);
    const endpoint = `{${apiId}.ApiEndpoint}`;
    expect((client.CallbackURLs as unknown[]).map(render)).toEqual([
      `${endpoint}/console/signed-in`,
    ]);
    expect((client.LogoutURLs as unknown[]).map(render)).toEqual([`${endpoint}/console`]);
  });

  it('the JWT authoriser trusts the pool with the console’s client as audience, and each data route needs its scope', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: [{ Ref: clientId() }] },
    });
    const authorizer = Object.values(
      template.findResources('AWS::ApiGatewayV2::Authorizer'),
    )[0] as Json;
    expect(render(((authorizer.Properties as Json).JwtConfiguration as Json).Issuer)).toBe(
      `https://cognito-idp.{AWS::Region}.amazonaws.com/{${poolId()}}`,
    );
    const routes = new Map(
      (Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Json[]).map((r) => [
        (r.Properties as Json).RouteKey,
        r.Properties as Json,
      ]),
    );
    for (const route of serviceRoutes()) {
      expect(routes.get(`${route.method.toUpperCase()} ${route.path}`)).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizationScopes: [`customer-service/${route.role}`],
      });
    }
    for (const route of publicRoutes()) {
      expect(routes.get(`GET ${route.path}`)?.AuthorizationType).toBe('NONE');
    }
    // JWT callers are not IAM callers: no per-role IAM policy.
    expect(stack.serviceApi.rolePolicies.size).toBe(0);
  });

  it('the functions know the prefix, and the query function tells the console where to sign in', () => {
    for (const fn of [stack.commandApi, stack.queryApi, stack.opsApi]) {
      expect(envOf(template, stack, fn).AUTH_SCOPE_PREFIX).toBe('customer-service/');
    }
    const scopeLimiter = stack.scopeLimiter;
    expect(scopeLimiter).toBeDefined();
    if (scopeLimiter) {
      expect(envOf(template, stack, scopeLimiter).AUTH_SCOPE_PREFIX).toBe('customer-service/');
    }
    const query = envOf(template, stack, stack.queryApi);
    expect(render(query.CONSOLE_OIDC_ISSUER)).toBe(`{${poolId()}.ProviderURL}`);
    expect(query.CONSOLE_OIDC_CLIENT_ID).toEqual({ Ref: clientId() });
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['UserPoolId', 'ConsoleClientId', 'SignInIssuer', 'HostedUiUrl']),
    );
  });

  it('the scope limiter alarms when it fails or is throttled, since nobody can sign in then', () => {
    const limiter = logicalId(stack, stack.scopeLimiter?.function ?? stack.httpApi);
    for (const metric of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: limiter } }],
        AlarmDescription: Match.stringLikeRegexp(
          `Runbook: docs/operations.md#scopelimiter${metric.toLowerCase()}$`,
        ),
      });
    }
    const runbook = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
    expect(runbook).toContain('<a id="scopelimitererrors"></a>');
    expect(runbook).toContain('<a id="scopelimiterthrottles"></a>');
  });

  it('passes the cdk-nag AwsSolutions pack', () => {
    const { violations } = new AwsSolutionsChecks().validateScope(stack);
    expect(
      violations.map(
        (v) => `${v.ruleName} (${v.severity}): ${v.violatingResources[0]?.constructPath}`,
      ),
    ).toEqual([]);
  });
});
