import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ROLE_DESCRIPTIONS, ROLES } from '../access/roles.js';
import { SECURITY_SCHEMES } from './openapi-route.js';
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
 * The OpenAPI 3.1 document of every route of the service, whichever part this process
 * serves (on AWS the command and query functions each serve theirs): the route factories
 * are run without services, for their declarations only.
 */
export const openApiDocument = () => {
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
  for (const { route } of serviceRoutes()) {
    const { role: _role, ...declaration } = route;
    registry.registerPath(declaration);
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
      { name: 'operations', description: 'Read-only pipeline health and audit; dead letters' },
    ],
  });
  return withoutRegexFlags(document) as typeof document;
};
