import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import { ROLE_DESCRIPTIONS, ROLES } from '../access/roles.js';
import { errorContent } from './api-schemas.js';
import { CONSOLE_HEADER, SAFE_METHODS } from './console-security.js';
import { SECURITY_SCHEMES, type ServiceRoute } from './openapi-route.js';
import { MAX_BODY_BYTES } from './request.js';
import { serviceRoutes } from './route-catalog.js';

export const API_TITLE = 'Customer service';
export const API_VERSION = '1';

/**
 * The generator writes a regex with flags as `source/flags` (`^[^\p{Cc}]*$/u`), which no
 * JSON Schema validator reads as intended. Patterns are ECMA-262 with the `u` flag assumed,
 * so the flags can go.
 */
const FLAGS_SUFFIX = /\/[dgimsuvy]+$/;
const withoutRegexFlags = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutRegexFlags);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) =>
      key === 'pattern' && typeof value === 'string'
        ? [key, value.replace(FLAGS_SUFFIX, '')]
        : [key, withoutRegexFlags(value)],
    ),
  );
};

/**
 * What the app answers on a route before its handler runs, from the same facts its
 * middleware acts on: every route checks its role (`serveRoute`); every write passes the
 * browser check and the body limit, and is refused when its body (or a browser's write) is
 * not typed as JSON.
 */
const edgeAnswers = (route: ServiceRoute) => {
  const write = !SAFE_METHODS.has(route.method.toUpperCase());
  return {
    401: errorContent(
      'No caller identity (`UNAUTHENTICATED`): send a bearer token or a SigV4 signature',
      {
        'WWW-Authenticate': z
          .string()
          .regex(/^Bearer(\s|$)/)
          .meta({ description: 'The scheme to authenticate with, and why a token was refused' }),
      },
    ),
    403: errorContent(
      write
        ? `The caller lacks the role \`${route.role}\` (\`MISSING_ROLE\`, naming it), or a browser sent a write without the console's \`${CONSOLE_HEADER}: 1\` header (\`CONSOLE_HEADER_REQUIRED\`)`
        : `The caller lacks the role \`${route.role}\` (\`MISSING_ROLE\`, naming it)`,
    ),
    ...(write
      ? {
          413: errorContent(`The body is larger than ${MAX_BODY_BYTES} bytes`),
          415: errorContent(
            'The body (or any write from a browser) is not sent as `Content-Type: application/json`',
          ),
        }
      : {}),
  };
};

/**
 * The OpenAPI 3.1 document of every route of the service, whichever part this process
 * serves (on AWS the command and query functions each serve theirs): the route factories
 * are run without services, for their declarations only.
 */
export const openApiDocument = (aggregates?: Parameters<typeof serviceRoutes>[0]) => {
  const registry = new OpenAPIRegistry();
  const roles = ROLES.map((role) => `- \`${role}\`: ${ROLE_DESCRIPTIONS[role]}`).join('\n');
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.bearer, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: `An OAuth 2 access token whose scopes name the route's role (on Cognito, with the resource server's prefix). The roles:\n${roles}`,
  });
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.sigv4, {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      "A request signed with AWS Signature Version 4 by a principal holding the role's managed policy (IAM authorisation).",
  });
  for (const { route } of serviceRoutes(aggregates)) {
    const { role: _role, ...declaration } = route;
    // Integer keys enumerate in ascending order: the statuses come out sorted.
    registry.registerPath({
      ...declaration,
      responses: { ...edgeAnswers(route), ...declaration.responses },
    });
  }
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description:
        'Commands change customers and answer the new stream version; queries read the read model, which may trail by a moment (`minVersion` waits for it).',
    },
    tags: [
      { name: 'commands', description: 'Writes to the event store' },
      { name: 'queries', description: 'Reads of the read model' },
      {
        name: 'operations',
        description: 'Pipeline health and audit; dead letters and their redrive',
      },
    ],
  });
  return withoutRegexFlags(document) as typeof document;
};
