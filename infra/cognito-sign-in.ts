import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ROLE_DESCRIPTIONS, ROLES, type Role } from '../src/app/access/roles.js';
import { roleIdentifier } from './route-access.js';

/** The resource server's identifier: Cognito names its scopes `customer-service/<role>`. */
export const COGNITO_RESOURCE_SERVER = 'customer-service';

/** The console's OAuth redirect, on every origin it is served from. */
export const CONSOLE_SIGNED_IN_PATH = '/console/signed-in';

export interface CognitoSignInProps {
  /** The hosted UI's domain prefix: `https://<prefix>.auth.<region>.amazoncognito.com`. */
  domainPrefix: string;
  /** Where the console is served, without a trailing slash: the API's endpoint. */
  consoleOrigin: string;
  /** Pre token generation (event version 2): drops the role scopes the user's groups lack. */
  scopeLimiter: lambda.IFunction;
  retain: boolean;
}

/**
 * Sign-in for people: a user pool with a hosted UI, a resource server whose scopes are the
 * roles, one group per role (membership is the grant), and the console's public app client
 * (authorization code with PKCE).
 */
export class CognitoSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly consoleClient: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  readonly groups = new Map<Role, cognito.UserPoolGroup>();
  /** Prepended to each role to make its scope: `AUTH_SCOPE_PREFIX`. */
  readonly scopePrefix = `${COGNITO_RESOURCE_SERVER}/`;

  constructor(scope: Construct, id: string, props: CognitoSignInProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Users', {
      // Pre token generation version 2, which can suppress scopes, needs Essentials or Plus.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      // Operators create the accounts and put them in groups; nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.userPool.addTrigger(
      cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      props.scopeLimiter,
      cognito.LambdaVersion.V2_0,
    );
    for (const id of ['AwsSolutions-COG3', 'AwsSolutions-COG8']) {
      Validations.of(this.userPool).acknowledge({
        id,
        reason:
          'Threat protection needs the Plus feature plan; the pool uses Essentials (enough for scope suppression), requires MFA and has no self sign-up.',
      });
    }

    this.domain = this.userPool.addDomain('HostedUi', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
    });
    const scopes = ROLES.map(
      (role) =>
        new cognito.ResourceServerScope({
          scopeName: role,
          scopeDescription: ROLE_DESCRIPTIONS[role],
        }),
    );
    const server = this.userPool.addResourceServer('Api', {
      identifier: COGNITO_RESOURCE_SERVER,
      userPoolResourceServerName: 'Customer service',
      scopes,
    });
    for (const role of ROLES) {
      this.groups.set(
        role,
        this.userPool.addGroup(`${roleIdentifier(role)}Group`, {
          groupName: role,
          description: `${role}: ${ROLE_DESCRIPTIONS[role]}`.slice(0, 2048),
        }),
      );
    }
    this.consoleClient = this.userPool.addClient('Console', {
      userPoolClientName: 'console',
      // A browser keeps no secret: authorization code with PKCE, hosted UI only.
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [
          cognito.OAuthScope.OPENID,
          ...scopes.map((s) => cognito.OAuthScope.resourceServer(server, s)),
        ],
        callbackUrls: [`${props.consoleOrigin}${CONSOLE_SIGNED_IN_PATH}`],
        logoutUrls: [`${props.consoleOrigin}/console`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
  }

  /** The issuer of the pool's tokens, as the JWT authoriser and the console expect it. */
  get issuer(): string {
    return this.userPool.userPoolProviderUrl;
  }

  /** The hosted UI's base URL. */
  get hostedUiUrl(): string {
    return this.domain.baseUrl();
  }
}
