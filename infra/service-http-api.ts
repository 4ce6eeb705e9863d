import { Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROLE_DESCRIPTIONS, type Role, scopeFor } from '../src/app/access/roles.js';
import { publicRoutes, type RouteSide, serviceRoutes } from '../src/app/http/route-catalog.js';
import { roleGrants, roleIdentifier } from './route-access.js';
import { routeThrottle, type Throttle } from './stack-sizing.js';

/** How the data routes are authorised: SigV4 (IAM), or a JWT with the route's scope. */
export type RouteAuthorization =
  | { type: 'iam' }
  | { type: 'jwt'; authorizer: apigw.IHttpRouteAuthorizer; scopePrefix: string };

export interface ServiceHttpApiProps {
  functions: Record<RouteSide, lambda.IFunction>;
  /**
   * `default`: the stage's, for routes outside the catalog (the public pages); `byOperation`
   * by the catalog's operation id, a route without an entry sized by `routeThrottle`.
   */
  throttle: { default: Throttle; byOperation: Record<string, Throttle> };
  logRetention: logs.RetentionDays;
}

const method = (name: string): apigw.HttpMethod => {
  const upper = name.toUpperCase();
  const found = Object.values(apigw.HttpMethod).find((m) => m === upper);
  if (!found) throw new Error(`no API Gateway method for "${name}"`);
  return found;
};

/**
 * The HTTP API: every route of the route catalog on the function of its side, each data
 * route behind its role (a JWT scope, or a per-role IAM policy on its exact ARN), the
 * public pages without an authoriser, and an access log that names the caller.
 */
export class ServiceHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** With IAM authorisation: one policy per role, to attach to the principals that hold it. */
  readonly rolePolicies = new Map<Role, iam.ManagedPolicy>();
  private readonly integrations: Record<RouteSide, HttpLambdaIntegration>;
  private readonly routeThrottles: Record<string, Throttle>;

  constructor(scope: Construct, id: string, props: ServiceHttpApiProps) {
    super(scope, id);
    // The stack's logical ids predate this construct: keep them, so a deploy updates in place.
    const parent = this.node.scope as Construct;
    const accessLogs = new logs.LogGroup(parent, 'ApiAccessLogs', {
      retention: props.logRetention,
    });
    this.api = new apigw.HttpApi(parent, 'HttpApi', {
      description: 'Customer service: commands and queries',
      createDefaultStage: false,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle.default,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // No query string: search requests carry email addresses there. The caller is the
        // token's subject and client, or the IAM principal that signed the request.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            callerSub: '$context.authorizer.claims.sub',
            callerClientId: '$context.authorizer.claims.client_id',
            callerArn: '$context.identity.userArn',
          }),
        ),
      },
    });
    this.routeThrottles = props.throttle.byOperation;
    this.integrations = {
      commands: new HttpLambdaIntegration('CommandIntegration', props.functions.commands),
      queries: new HttpLambdaIntegration('QueryIntegration', props.functions.queries),
      operations: new HttpLambdaIntegration('OpsIntegration', props.functions.operations),
    };
  }

  /** `https://<api>.execute-api.<region>.amazonaws.com`, without a trailing slash. */
  get endpoint(): string {
    return this.api.apiEndpoint;
  }

  /** Adds every route of the catalog, and with IAM the per-role policies. Call once. */
  addRoutes(authorization: RouteAuthorization): void {
    const iamAuthorizer = new HttpIamAuthorizer();
    // CloudFormation's own spelling: route settings are passed through as written.
    const routeSettings: Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    > = {};
    for (const route of serviceRoutes()) {
      const throttle = routeThrottle(this.routeThrottles, route);
      const added = this.api.addRoutes({
        path: route.path,
        methods: [method(route.method)],
        integration: this.integrations[route.side],
        ...(authorization.type === 'iam'
          ? { authorizer: iamAuthorizer }
          : {
              authorizer: authorization.authorizer,
              // API Gateway refuses a token without it (an ID token has no scopes at all).
              authorizationScopes: [scopeFor(route.role, authorization.scopePrefix)],
            }),
      });
      routeSettings[`${method(route.method)} ${route.path}`] = {
        ThrottlingRateLimit: throttle.rateLimit,
        ThrottlingBurstLimit: throttle.burstLimit,
      };
      // A stage's route settings name routes that must exist when the stage is written.
      for (const served of added) this.stage.node.addDependency(served);
    }
    (this.stage.node.defaultChild as apigw.CfnStage).routeSettings = routeSettings;
    const none = new apigw.HttpNoneAuthorizer();
    for (const route of publicRoutes()) {
      const added = this.api.addRoutes({
        path: route.path,
        methods: [method(route.method)],
        integration: this.integrations.queries,
        authorizer: none,
      });
      for (const served of added) {
        Validations.of(served).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Public by design: the console’s static pages and the API reference hold no data; every data route has an authoriser.',
        });
      }
    }
    if (authorization.type === 'iam') this.addRolePolicies();
  }

  private addRolePolicies(): void {
    const stack = Stack.of(this);
    const arn = (path: string) =>
      `arn:${stack.partition}:execute-api:${stack.region}:${stack.account}:${this.api.apiId}/${this.stage.stageName}/${path}`;
    for (const grant of roleGrants(serviceRoutes())) {
      const statements = [
        new iam.PolicyStatement({
          actions: ['execute-api:Invoke'],
          resources: grant.allow.map(arn),
        }),
      ];
      if (grant.deny.length > 0) {
        statements.push(
          new iam.PolicyStatement({
            effect: iam.Effect.DENY,
            actions: ['execute-api:Invoke'],
            resources: grant.deny.map(arn),
          }),
        );
      }
      const includes = grant.includes.length > 0 ? ` (includes ${grant.includes.join(', ')})` : '';
      const policy = new iam.ManagedPolicy(this, `${roleIdentifier(grant.role)}Policy`, {
        description: `${grant.role}${includes}: ${ROLE_DESCRIPTIONS[grant.role]}`.slice(0, 1000),
        statements,
      });
      this.rolePolicies.set(grant.role, policy);
      // cdk-nag names each finding by the resource as synthesised.
      const shown = (value: string, pseudo: string) =>
        Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
      const apiRef = `<${stack.getLogicalId(this.api.node.defaultChild as apigw.CfnApi)}>`;
      for (const path of grant.allow.filter((p) => p.includes('*'))) {
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:${shown(stack.partition, 'Partition')}:execute-api:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}:${apiRef}/${this.stage.stageName}/${path}]`,
          reason:
            'A route with a path parameter: execute-api ARNs write the parameter as *; the routes of other roles that * would also reach are denied by name.',
        });
      }
    }
  }
}
