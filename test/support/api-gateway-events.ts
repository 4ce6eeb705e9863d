import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ROLES } from '../../src/app/access/roles.js';

/** What API Gateway's authoriser put in the request context: a JWT's claims, or an IAM caller. */
export type TestAuthorizer =
  | { jwt: { claims: Record<string, string>; scopes: string[] | null } }
  | { iam: { userArn: string; callerId: string; accountId: string } }
  | undefined;

/** A JWT authoriser context whose access token holds these scopes (every role by default). */
export const jwtAuthorizer = (
  scopes: readonly string[] = ROLES,
  claims: Record<string, string> = {},
): TestAuthorizer => ({
  jwt: {
    claims: {
      sub: 'test-user',
      client_id: 'test-client',
      token_use: 'access',
      scope: scopes.join(' '),
      ...claims,
    },
    scopes: scopes.length > 0 ? [...scopes] : null,
  },
});

/**
 * An HTTP API (payload 2.0) event as API Gateway hands it to a function, by default from a
 * caller whose token holds every role.
 */
export const apiGatewayEvent = (
  method: string,
  path: string,
  options: {
    query?: string;
    body?: unknown;
    headers?: Record<string, string>;
    authorizer?: TestAuthorizer;
  } = {},
): APIGatewayProxyEventV2 => {
  const { query = '', body } = options;
  const authorizer = 'authorizer' in options ? options.authorizer : jwtAuthorizer();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: {
      host: 'api.example.com',
      'user-agent': 'vitest',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Mar/2024:00:00:00 +0000',
      timeEpoch: 1709251200000,
      ...(authorizer ? { authorizer } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
  };
};
